// Turns the rows of a deals export into deals the engine can route. Every row either becomes a deal or is
// reported with its line number and the reason; none is dropped silently. Owners exported by name or email
// are resolved to HubSpot owner ids through the directory, as routing needs.
import type { Deal } from '../deal.js';
import { OWNER_PROPERTY } from '../deal.js';
import { normaliseEmail } from '../directory/email.js';
import type { Directory } from '../directory/schema.js';
import type { ColumnPlan } from './export-columns.js';
import { compareText } from './percentile.js';

export interface ExportRow {
  /** The line of the file the row ends on (1-based, the header is line 1 in a CSV). */
  line: number;
  cells: readonly string[];
}

export interface BadRow {
  line: number;
  /** The last line, when the bad record spans several (a quoted newline, a stray quote). */
  endLine?: number;
  problem: string;
}

export interface ReadDeals {
  deals: Deal[];
  badRows: BadRow[];
  /** Deal owner values that matched nobody in the directory, with how many deals carry each. */
  unresolvedOwners: { value: string; deals: number }[];
}

const DEAL_ID = /^\d{1,20}$/;

/** Resolves an exported owner ("Noah King", "noah.king@acme.example" or "102") to an owner id. */
export function createOwnerResolver(directory: Directory): (value: string) => string | null {
  const byKey = new Map<string, string>();
  for (const user of directory.users) {
    if (user.ownerId === undefined) continue;
    const email = normaliseEmail(user.email);
    if (!byKey.has(email)) byKey.set(email, user.ownerId);
    const name = user.name?.trim().replace(/\s+/g, ' ').toLowerCase();
    if (name && !byKey.has(name)) byKey.set(name, user.ownerId);
  }
  return (value) => {
    const trimmed = value.trim();
    if (DEAL_ID.test(trimmed)) return trimmed;
    return byKey.get(trimmed.includes('@') ? normaliseEmail(trimmed) : trimmed.replace(/\s+/g, ' ').toLowerCase()) ?? null;
  };
}

/** What a streamed read keeps: the problems and owners, not the deals (each goes to the caller as it is read). */
export type ReadSummary = Omit<ReadDeals, 'deals'> & { dealCount: number };

/** Reads one row at a time, handing each good deal to `onDeal`. */
export interface RowReader<Row> {
  add(row: Row): void;
  result(): ReadSummary;
}

/** Builds deals from CSV rows laid out by `plan`; rows with a wrong cell count, no id or a repeated id are reported. */
export function dealsFromRows(header: readonly string[], rows: Iterable<ExportRow>, plan: ColumnPlan, directory: Directory): ReadDeals {
  const deals: Deal[] = [];
  const reader = createRowReader(header, plan, directory, (deal) => { deals.push(deal); });
  for (const row of rows) reader.add(row);
  const { dealCount: _count, ...summary } = reader.result();
  return { deals, ...summary };
}

export function createRowReader(header: readonly string[], plan: ColumnPlan, directory: Directory, onDeal: (deal: Deal) => void): RowReader<ExportRow> {
  const idIndex = plan.targets.findIndex((t) => t.kind === 'id');
  // The property each cell goes to, or null: looked up once, not per row.
  const properties = plan.targets.map((t) => (t.kind === 'property' ? t.property : null));
  const collector = createCollector(createOwnerResolver(directory), onDeal);
  return {
    add(row) {
      if (row.cells.length !== header.length) {
        collector.bad(row.line, `has ${row.cells.length} cells where the header has ${header.length}`);
        return;
      }
      const id = (row.cells[idIndex] ?? '').trim();
      const values: Record<string, string | null> = {};
      for (let i = 0; i < properties.length; i++) {
        const property = properties[i];
        if (property === null || property === undefined) continue;
        const cell = row.cells[i] ?? '';
        values[property] = cell === '' ? null : cell;
      }
      collector.add(row.line, id, values);
    },
    result: collector.result,
  };
}

/** Builds deals from JSONL lines of `{"id": "...", "properties": {...}}` (HubSpot's CRM API shape). */
export function dealsFromJsonLines(lines: Iterable<{ line: number; text: string }>, directory: Directory): ReadDeals {
  const deals: Deal[] = [];
  const reader = createJsonLineReader(directory, (deal) => { deals.push(deal); });
  for (const line of lines) reader.add(line);
  const { dealCount: _count, ...summary } = reader.result();
  return { deals, ...summary };
}

export function createJsonLineReader(directory: Directory, onDeal: (deal: Deal) => void): RowReader<{ line: number; text: string }> {
  const collector = createCollector(createOwnerResolver(directory), onDeal);
  return {
    add({ line, text }) {
      if (text.trim() === '') return;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (error) {
        collector.bad(line, `is not JSON: ${(error as Error).message}`);
        return;
      }
      const shaped = shapeJsonDeal(value);
      if (typeof shaped === 'string') collector.bad(line, shaped);
      else collector.add(line, shaped.id, shaped.properties);
    },
    result: collector.result,
  };
}

function shapeJsonDeal(value: unknown): { id: string; properties: Record<string, string | null> } | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'is not an object with "id" and "properties"';
  const record = value as Record<string, unknown>;
  const id = typeof record.id === 'number' ? String(record.id) : record.id;
  if (typeof id !== 'string') return '"id" is missing or not a string';
  const raw = record.properties;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return '"properties" is missing or not an object';
  const properties: Record<string, string | null> = {};
  for (const [name, v] of Object.entries(raw as Record<string, unknown>)) {
    // HubSpot sends every value as a string; numbers and booleans written by hand keep their plain text.
    if (v === null || typeof v === 'string') properties[name] = v === '' ? null : v;
    else if (typeof v === 'number' || typeof v === 'boolean') properties[name] = String(v);
    else return `properties.${name} is ${Array.isArray(v) ? 'an array' : 'an object'}, not a string`;
  }
  return { id: id.trim(), properties };
}

function createCollector(resolveOwner: (value: string) => string | null, onDeal: (deal: Deal) => void) {
  let dealCount = 0;
  const badRows: BadRow[] = [];
  const firstLine = new Map<string, number>();
  const unresolved = new Map<string, number>();
  return {
    bad: (line: number, problem: string) => { badRows.push({ line, problem }); },
    add(line: number, id: string, properties: Record<string, string | null>) {
      if (id === '') return void badRows.push({ line, problem: 'has no Record ID' });
      if (!DEAL_ID.test(id)) return void badRows.push({ line, problem: `has Record ID "${id}", which is not a HubSpot id (digits)` });
      const first = firstLine.get(id);
      if (first !== undefined) return void badRows.push({ line, problem: `repeats Record ID ${id} (first on line ${first})` });
      firstLine.set(id, line);
      const owner = properties[OWNER_PROPERTY];
      if (owner !== undefined && owner !== null) {
        const ownerId = resolveOwner(owner);
        if (ownerId === null) unresolved.set(owner, (unresolved.get(owner) ?? 0) + 1);
        else properties[OWNER_PROPERTY] = ownerId;
      }
      dealCount++;
      onDeal({ id, properties });
    },
    result: (): ReadSummary => ({
      dealCount,
      badRows: badRows.sort((a, b) => a.line - b.line),
      unresolvedOwners: [...unresolved].map(([value, count]) => ({ value, deals: count })).sort((a, b) => b.deals - a.deals || compareText(a.value, b.value)),
    }),
  };
}
