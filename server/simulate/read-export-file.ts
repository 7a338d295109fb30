// Reads a deals export file: HubSpot's CSV (headers are property labels) or JSONL of {id, properties}.
// CSV syntax is csv-parse's job; which column is which property and which rows are bad is the core's.
import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import type { Directory } from '../../src/directory/schema.js';
import { planColumns, type ColumnPlan } from '../../src/simulate/export-columns.js';
import { dealsFromJsonLines, dealsFromRows, type BadRow, type ExportRow, type ReadDeals } from '../../src/simulate/export-rows.js';

export type ExportFormat = 'csv' | 'jsonl';

export interface ReadExport extends ReadDeals {
  format: ExportFormat;
  /** Data rows seen (good and bad), the header not counted. */
  rows: number;
  /** Columns mapped to properties, "Label → property" (CSV only). */
  columns: { label: string; property: string; via: string }[];
  ignoredColumns: string[];
  warnings: string[];
}

export class ExportFileError extends Error {}

export async function readExportFile(file: string, options: { map: ReadonlyMap<string, string>; directory: Directory }): Promise<ReadExport> {
  const text = await readText(file);
  return formatOf(file, text) === 'jsonl' ? readJsonLines(text, options.directory) : readCsv(text, options);
}

export async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new ExportFileError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

/** By extension; otherwise a file whose first character is "{" is JSONL. */
export function formatOf(file: string, text: string): ExportFormat {
  if (/\.(jsonl|ndjson)$/i.test(file)) return 'jsonl';
  if (/\.csv$/i.test(file)) return 'csv';
  return text.trimStart().startsWith('{') ? 'jsonl' : 'csv';
}

function readJsonLines(text: string, directory: Directory): ReadExport {
  const lines = text.split(/\r?\n/).map((line, i) => ({ line: i + 1, text: line }));
  const read = dealsFromJsonLines(lines, directory);
  return { ...read, format: 'jsonl', rows: lines.filter((l) => l.text.trim() !== '').length, columns: [], ignoredColumns: [], warnings: [] };
}

/**
 * CSV rows with the lines each spans. A record csv-parse cannot read (a stray quote) is reported as a bad row
 * with every line up to where the parser recovered, so a line swallowed by the error is named, not dropped.
 */
export function parseCsvRows(text: string): { header: string[]; rows: ExportRow[]; syntaxErrors: BadRow[] } {
  const syntaxErrors: BadRow[] = [];
  const rows: ExportRow[] = [];
  let header: string[] | null = null;
  let lastLine = 0;
  parse(text, {
    bom: true,
    relax_column_count: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    on_record: (record: string[], context) => {
      if (header === null) header = record;
      else rows.push({ line: context.lines, cells: record });
      lastLine = context.lines;
      return null;
    },
    on_skip: (error) => {
      if (!error) return undefined;
      const end = typeof error.lines === 'number' ? error.lines : lastLine + 1;
      const message = error.message.replace(/ at line \d+.*$/, '');
      syntaxErrors.push({ line: lastLine + 1, ...(end > lastLine + 1 ? { endLine: end } : {}), problem: `cannot be read as CSV: ${message}` });
      lastLine = end;
      return undefined;
    },
  });
  return { header: header ?? [], rows, syntaxErrors };
}

function readCsv(text: string, options: { map: ReadonlyMap<string, string>; directory: Directory }): ReadExport {
  const { header, rows, syntaxErrors } = parseCsvRows(text);
  if (header.length === 0) throw new ExportFileError('the file is empty: expected a header line such as "Record ID,Deal Name,Amount,..."');
  const plan: ColumnPlan = planColumns(header, options.map);
  if (plan.errors.length > 0) throw new ExportFileError(plan.errors.join('\n'));
  const read = dealsFromRows(header, rows, plan, options.directory);
  const columns = plan.targets.flatMap((t, i) => (t.kind === 'property' ? [{ label: header[i] ?? '', property: t.property, via: t.via }] : []));
  return {
    ...read,
    badRows: [...read.badRows, ...syntaxErrors].sort((a, b) => a.line - b.line),
    format: 'csv',
    rows: rows.length + syntaxErrors.length,
    columns,
    ignoredColumns: plan.ignored,
    warnings: plan.warnings,
  };
}
