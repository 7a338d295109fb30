// Canonical JSON and SHA-256: the same value gives the same bytes and the same hash on every machine,
// so traces can be replayed and compared byte for byte.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';

/** Bumped whenever a change to the core may change an output for the same input. */
export const ENGINE_VERSION = 'approval-router-core/1.0.0';

/**
 * JSON with object keys sorted by code unit, numbers in ECMAScript's shortest round-trip form
 * (so 1.0 and 1 agree, -0 becomes 0), and undefined object members dropped.
 * Anything that is not plain JSON (NaN, Infinity, bigint, Map, Set, functions) is refused,
 * because it would otherwise hash differently from what a trace row stores.
 */
export function canonicalJson(value: unknown): string {
  const out: string[] = [];
  write(value, out, '$');
  return out.join('');
}

export function sha256Hex(text: string): string {
  return bytesToHex(sha256(utf8ToBytes(text)));
}

/** sha256Hex(canonicalJson(value)): the hash of a JSON value, independent of key order. */
export function hashJson(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}

function write(value: unknown, out: string[], path: string): void {
  switch (typeof value) {
    case 'string':
      out.push(JSON.stringify(value));
      return;
    case 'boolean':
      out.push(value ? 'true' : 'false');
      return;
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: ${path} is not a finite number`);
      out.push(Object.is(value, -0) ? '0' : JSON.stringify(value));
      return;
    case 'object':
      if (value === null) {
        out.push('null');
        return;
      }
      if (Array.isArray(value)) {
        out.push('[');
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out.push(',');
          const item: unknown = value[i];
          // As JSON.stringify does: a hole or undefined in an array is null, keeping positions.
          if (item === undefined) out.push('null');
          else write(item, out, `${path}[${i}]`);
        }
        out.push(']');
        return;
      }
      writeObject(value, out, path);
      return;
    default:
      throw new TypeError(`canonicalJson: ${path} is a ${typeof value}, not JSON`);
  }
}

function writeObject(value: object, out: string[], path: string): void {
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    throw new TypeError(`canonicalJson: ${path} is not a plain object`);
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  out.push('{');
  let first = true;
  for (const key of keys) {
    const member = record[key];
    if (member === undefined) continue;
    if (!first) out.push(',');
    first = false;
    out.push(JSON.stringify(key), ':');
    write(member, out, `${path}.${key}`);
  }
  out.push('}');
}
