// Streams CSV records with the lines they end on, for exports too large to hold twice in memory. csv-parse reads the
// chunks as they come, in time linear in the file whatever its fields hold (a pasted 16 MB note included), with the
// options `parseCsvRows` uses, so a streamed file and a whole one give the same records, lines and bad rows.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse, type CsvError, type InfoRecord, type Options } from 'csv-parse';
import type { BadRow } from '../../src/simulate/export-rows.js';

export interface CsvSink {
  /** A record and the line it ends on (1-based). */
  record(line: number, cells: string[]): void;
  /** A record csv-parse could not read, with every line up to where it recovered. */
  error(bad: BadRow): void;
}

/** How every export is read: a byte order mark is dropped, blank lines skipped, a bad record reported and passed. */
export const CSV_OPTIONS = { bom: true, relax_column_count: true, skip_empty_lines: true, skip_records_with_error: true } as const satisfies Options;

/**
 * The csv-parse callbacks that hand records to `sink` with the line each ends on, and turn a record csv-parse
 * skips into a bad row naming every line up to where it recovered, so a line swallowed by the error is named.
 */
export function csvCallbacks(sink: CsvSink, stop: (error: Error) => void): Pick<Options, 'on_record' | 'on_skip'> {
  let lastLine = 0;
  return {
    on_record: (record: string[], context: InfoRecord) => {
      // csv-parse would report a sink's error as one more unreadable record: end the read with it instead.
      try {
        sink.record(context.lines, record);
      } catch (error) {
        stop(error as Error);
      }
      lastLine = context.lines;
      return null;
    },
    on_skip: (error: CsvError | undefined) => {
      if (!error) return undefined;
      const end = typeof error.lines === 'number' ? error.lines : lastLine + 1;
      const message = error.message.replace(/ at line \d+.*$/, '');
      sink.error({ line: lastLine + 1, ...(end > lastLine + 1 ? { endLine: end } : {}), problem: `cannot be read as CSV: ${message}` });
      lastLine = end;
      return undefined;
    },
  };
}

export async function streamCsvRecords(chunks: AsyncIterable<string> | Iterable<string>, sink: CsvSink): Promise<void> {
  const parser = parse({ ...CSV_OPTIONS, ...csvCallbacks(sink, (error) => parser.destroy(error)) });
  // Every record goes to the sink from on_record: the parser's output side stays empty, and must flow to end.
  parser.resume();
  await pipeline(Readable.from(chunks, { objectMode: false }), parser);
}
