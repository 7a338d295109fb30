// Streams CSV records with the lines they end on, for exports too large to hold twice in memory. Well-formed CSV
// (quoted fields included, "\n" or "\r\n" line ends) is split by hand, about ten times faster than csv-parse; at the
// first record that is anything else (a stray quote, a bare "\r") the rest of the file goes to csv-parse with the
// options `parseCsvRows` uses, so bad rows are reported exactly as it reports them.
import { parse, type Parser } from 'csv-parse';
import type { BadRow } from '../../src/simulate/export-rows.js';

export interface CsvSink {
  /** A record and the line it ends on (1-based). */
  record(line: number, cells: string[]): void;
  /** A record csv-parse could not read, with every line up to where it recovered. */
  error(bad: BadRow): void;
}

const QUOTE = 34;
const COMMA = 44;
const LF = 10;
const CR = 13;

/** Not CSV the hand-written path is sure about: csv-parse takes over from the record's start. */
const ANOMALY = -1;
/** The record runs past the text read so far. */
const MORE = -2;

export async function streamCsvRecords(chunks: AsyncIterable<string> | Iterable<string>, sink: CsvSink): Promise<void> {
  let text = '';
  let started = false;
  let crlf: boolean | null = null;
  /** Line ends consumed so far, and the line the last record ended on (csv-parse names an error from there). */
  let lines = 0;
  let lastLine = 0;
  // Held in an object: the closures below set it, which a plain `let` would hide from TypeScript's narrowing.
  const handover: { parser: Parser | null; done: Promise<void> | null; failure: Error | null } = { parser: null, done: null, failure: null };
  const cells: string[] = [];
  let recordLines = 0;

  /** Parses one record at `at`: the index after its line end, MORE or ANOMALY; fills `cells` and `recordLines`. */
  const parseRecord = (at: number, final: boolean): number => {
    cells.length = 0;
    recordLines = 0;
    let i = at;
    const n = text.length;
    for (;;) {
      let cell: string;
      if (text.charCodeAt(i) === QUOTE) {
        let value = '';
        let from = i + 1;
        for (;;) {
          const q = text.indexOf('"', from);
          if (q < 0) return final ? ANOMALY : MORE;
          value += text.slice(from, q);
          if (q + 1 >= n && !final) return MORE;
          if (text.charCodeAt(q + 1) === QUOTE) {
            value += '"';
            from = q + 2;
            continue;
          }
          i = q + 1;
          break;
        }
        if (value.includes('\r')) return ANOMALY;
        for (let k = value.indexOf('\n'); k >= 0; k = value.indexOf('\n', k + 1)) recordLines++;
        cell = value;
      } else {
        let j = i;
        while (j < n) {
          const c = text.charCodeAt(j);
          if (c === COMMA || c === LF || c === CR) break;
          if (c === QUOTE) return ANOMALY;
          j++;
        }
        cell = text.slice(i, j);
        i = j;
      }
      cells.push(cell);
      if (i >= n) return final ? n : MORE;
      const c = text.charCodeAt(i);
      if (c === COMMA) {
        i++;
        continue;
      }
      if (c === LF) {
        if (crlf === null) crlf = false;
        if (crlf) return ANOMALY;
        return i + 1;
      }
      if (c === CR) {
        if (i + 1 >= n) return final ? ANOMALY : MORE;
        if (text.charCodeAt(i + 1) !== LF) return ANOMALY;
        if (crlf === null) crlf = true;
        if (!crlf) return ANOMALY;
        return i + 2;
      }
      return ANOMALY;
    }
  };

  const startFallback = (rest: string) => {
    const offset = lines;
    let last = lastLine;
    const parser = parse({
      // A byte order mark counts only at the file's start, and the hand-written path has already taken it off.
      bom: false,
      relax_column_count: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
      // The line end seen so far holds: a fresh parser would otherwise detect it again from the rest.
      ...(crlf === null ? {} : { record_delimiter: crlf ? '\r\n' : '\n' }),
      on_record: (record: string[], context) => {
        // csv-parse would report a sink's error as one more unreadable record: end the read with it instead.
        try {
          sink.record(context.lines + offset, record);
        } catch (error) {
          parser.destroy(error as Error);
        }
        last = context.lines + offset;
        return null;
      },
      on_skip: (error) => {
        if (!error) return undefined;
        const end = typeof error.lines === 'number' ? error.lines + offset : last + 1;
        const message = error.message.replace(/ at line \d+.*$/, '');
        sink.error({ line: last + 1, ...(end > last + 1 ? { endLine: end } : {}), problem: `cannot be read as CSV: ${message}` });
        last = end;
        return undefined;
      },
    });
    handover.done = new Promise<void>((resolve, reject) => {
      parser.on('error', (error: Error) => {
        handover.failure = error;
        reject(error);
      });
      parser.on('end', resolve);
      parser.resume();
    });
    // Awaited at the end; until then a failure is seen through `failure`, not as an unhandled rejection.
    handover.done.catch(() => undefined);
    handover.parser = parser;
    if (rest !== '') parser.write(rest);
  };

  const consume = (final: boolean) => {
    let at = 0;
    if (!started && text.length > 0) {
      started = true;
      if (text.charCodeAt(0) === 0xfeff) at = 1;
    }
    while (at < text.length) {
      // An empty line: skipped, but counted.
      const first = text.charCodeAt(at);
      if (first === LF && crlf !== true) {
        crlf = false;
        lines++;
        at++;
        continue;
      }
      if (first === CR && crlf !== false) {
        if (at + 1 >= text.length && !final) break;
        if (text.charCodeAt(at + 1) === LF) {
          crlf = true;
          lines++;
          at += 2;
          continue;
        }
      }
      const end = parseRecord(at, final);
      if (end === MORE) break;
      if (end === ANOMALY) {
        startFallback(text.slice(at));
        text = '';
        return;
      }
      lines += recordLines;
      sink.record(lines + 1, cells.slice());
      lastLine = lines + 1;
      if (text.charCodeAt(end - 1) === LF) lines++;
      at = end;
    }
    text = text.slice(at);
  };

  for await (const chunk of chunks) {
    if (handover.failure !== null) throw handover.failure;
    if (handover.parser) {
      handover.parser.write(chunk);
      continue;
    }
    text += chunk;
    consume(false);
  }
  if (!handover.parser) consume(true);
  if (handover.parser) {
    handover.parser.end();
    await handover.done;
  }
}
