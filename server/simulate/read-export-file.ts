// Reads a deals export file as a stream: HubSpot's CSV (headers are property labels) or JSONL of {id, properties}.
// Each deal goes to the caller as soon as it is read, so a large export is never held in memory whole.
// CSV syntax is csv-parse's job; which column is which property and which rows are bad is the core's.
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import type { Deal } from '../../src/deal.js';
import type { Directory } from '../../src/directory/schema.js';
import { planColumns, type ColumnPlan } from '../../src/simulate/export-columns.js';
import { createJsonLineReader, createRowReader, type BadRow, type ExportRow, type ReadSummary, type RowReader } from '../../src/simulate/export-rows.js';
import { cannotRead } from '../file-errors.js';
import { CSV_OPTIONS, csvCallbacks, streamCsvRecords } from './stream-csv-records.js';

export type ExportFormat = 'csv' | 'jsonl';

export interface ReadExport extends ReadSummary {
  format: ExportFormat;
  /** Data rows seen (good and bad), the header not counted. */
  rows: number;
  /** Columns mapped to properties, "Label → property" (CSV only). */
  columns: { label: string; property: string; via: string }[];
  ignoredColumns: string[];
  warnings: string[];
  /** Every property some deal carries: the CSV's mapped columns, or the keys seen in the JSONL. */
  provided: Set<string>;
}

export class ExportFileError extends Error {}

/** Streams `file`, handing each good deal to `onDeal` in file order, and returns what was read and what was skipped. */
export async function streamExportFile(file: string, options: { map: ReadonlyMap<string, string>; directory: Directory }, onDeal: (deal: Deal) => void): Promise<ReadExport> {
  const chunks = readChunks(file);
  // The format needs the first characters when the extension does not say: read ahead, then replay them.
  const ahead: string[] = [];
  let format: ExportFormat | null = /\.(jsonl|ndjson)$/i.test(file) ? 'jsonl' : /\.csv$/i.test(file) ? 'csv' : null;
  while (format === null) {
    const next = await chunks.next();
    if (next.done) format = formatOf(file, ahead.join(''));
    else {
      ahead.push(next.value);
      if (ahead.join('').trimStart() !== '') format = formatOf(file, ahead.join(''));
    }
  }
  async function* replay() {
    yield* ahead;
    yield* { [Symbol.asyncIterator]: () => chunks };
  }
  return format === 'jsonl' ? streamJsonLines(replay(), options.directory, onDeal) : streamCsv(replay(), options, onDeal);
}

async function* readChunks(file: string): AsyncGenerator<string> {
  const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 });
  try {
    for await (const chunk of stream) yield chunk as string;
  } catch (error) {
    throw new ExportFileError(cannotRead(file, error));
  } finally {
    stream.destroy();
  }
}

export async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new ExportFileError(cannotRead(file, error));
  }
}

/** By extension; otherwise a file whose first character is "{" is JSONL. */
export function formatOf(file: string, text: string): ExportFormat {
  if (/\.(jsonl|ndjson)$/i.test(file)) return 'jsonl';
  if (/\.csv$/i.test(file)) return 'csv';
  return text.trimStart().startsWith('{') ? 'jsonl' : 'csv';
}

/** Lines as `text.split(/\r?\n/)` numbers them, one chunk at a time. */
async function streamJsonLines(chunks: AsyncIterable<string>, directory: Directory, onDeal: (deal: Deal) => void): Promise<ReadExport> {
  const provided = new Set<string>();
  const reader = createJsonLineReader(directory, (deal) => {
    for (const name in deal.properties) provided.add(name);
    onDeal(deal);
  });
  let rows = 0;
  let line = 0;
  let rest = '';
  const take = (text: string) => {
    line++;
    if (text.trim() !== '') rows++;
    reader.add({ line, text });
  };
  for await (const chunk of chunks) {
    const text = rest + chunk;
    let from = 0;
    for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n', from)) {
      take(text.slice(from, end > from && text.charCodeAt(end - 1) === 13 ? end - 1 : end));
      from = end + 1;
    }
    rest = text.slice(from);
  }
  take(rest);
  return { ...reader.result(), format: 'jsonl', rows, columns: [], ignoredColumns: [], warnings: [], provided };
}

/** CSV rows with the lines each spans, and each record csv-parse could not read as a bad row (see csvCallbacks). */
export function parseCsvRows(text: string): { header: string[]; rows: ExportRow[]; syntaxErrors: BadRow[] } {
  const syntaxErrors: BadRow[] = [];
  const rows: ExportRow[] = [];
  let header: string[] | null = null;
  const callbacks = csvCallbacks({
    record(line, cells) {
      if (header === null) header = cells;
      else rows.push({ line, cells });
    },
    error(bad) {
      syntaxErrors.push(bad);
    },
  }, (error) => { throw error; });
  parse(text, { ...CSV_OPTIONS, ...callbacks });
  return { header: header ?? [], rows, syntaxErrors };
}

async function streamCsv(chunks: AsyncIterable<string>, options: { map: ReadonlyMap<string, string>; directory: Directory }, onDeal: (deal: Deal) => void): Promise<ReadExport> {
  let header: string[] | null = null;
  let plan: ColumnPlan | null = null;
  let reader: RowReader<ExportRow> | null = null;
  let rows = 0;
  const syntaxErrors: BadRow[] = [];
  await streamCsvRecords(chunks, {
    record(line, cells) {
      if (reader !== null) {
        rows++;
        reader.add({ line, cells });
        return;
      }
      header = cells;
      plan = planColumns(header, options.map);
      if (plan.errors.length > 0) throw new ExportFileError(plan.errors.join('\n'));
      reader = createRowReader(header, plan, options.directory, onDeal);
    },
    error(bad) {
      syntaxErrors.push(bad);
    },
  });
  // A file whose every line is unreadable has syntax errors but no header: that is still "empty" of CSV.
  if (header === null || plan === null || reader === null) throw new ExportFileError('the file is empty: expected a header line such as "Record ID,Deal Name,Amount,..."');
  const read = (reader as RowReader<ExportRow>).result();
  const labels: string[] = header;
  const columns = (plan as ColumnPlan).targets.flatMap((t, i) => (t.kind === 'property' ? [{ label: labels[i] ?? '', property: t.property, via: t.via }] : []));
  return {
    ...read,
    badRows: [...read.badRows, ...syntaxErrors].sort((a, b) => a.line - b.line),
    format: 'csv',
    rows: rows + syntaxErrors.length,
    columns,
    ignoredColumns: (plan as ColumnPlan).ignored,
    warnings: (plan as ColumnPlan).warnings,
    provided: new Set(columns.map((c) => c.property)),
  };
}
