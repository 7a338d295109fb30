// An incident's packet is whatever its writer recorded for a person to act on (the deal as it was, the policy hash,
// trace references, what happened); the page shows it as `path: value` lines, in the order it was written.

export const MAX_PACKET_LINES = 120;

export interface PacketLine {
  path: string;
  value: string;
}

export function packetLines(packet: unknown, max = MAX_PACKET_LINES): { lines: PacketLine[]; omitted: number } {
  const lines: PacketLine[] = [];
  let total = 0;
  const visit = (value: unknown, path: string, depth: number) => {
    if (value !== null && typeof value === 'object' && depth < 4) {
      const entries = Array.isArray(value) ? value.map((item, i) => [`[${i}]`, item] as const) : Object.entries(value);
      if (entries.length === 0) return push(path, Array.isArray(value) ? '(none)' : '(empty)');
      for (const [key, inner] of entries) visit(inner, key.startsWith('[') ? `${path}${key}` : path ? `${path}.${key}` : key, depth + 1);
      return undefined;
    }
    return push(path, scalar(value));
  };
  const push = (path: string, value: string) => {
    total += 1;
    if (lines.length < max) lines.push({ path: path || '(packet)', value });
  };
  visit(packet, '', 0);
  return { lines, omitted: total - lines.length };
}

function scalar(value: unknown): string {
  if (value === null || value === undefined) return 'none';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}
