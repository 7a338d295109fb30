import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BadRow } from '../../src/simulate/export-rows.js';
import { parseCsvRows } from '../../server/simulate/read-export-file.js';
import { streamCsvRecords } from '../../server/simulate/stream-csv-records.js';

/** The streamed records, the header first, as parseCsvRows reports them; the text arrives in chunks of `size`. */
async function streamed(text: string, size: number) {
  const records: { line: number; cells: string[] }[] = [];
  const errors: BadRow[] = [];
  const chunks: string[] = [];
  for (let i = 0; i < text.length; i += size) chunks.push(text.slice(i, i + size));
  await streamCsvRecords(chunks, { record: (line, cells) => { records.push({ line, cells }); }, error: (bad) => { errors.push(bad); } });
  return { header: records[0]?.cells ?? [], rows: records.slice(1), errors };
}

function whole(text: string) {
  const { header, rows, syntaxErrors } = parseCsvRows(text);
  return { header, rows: rows.map((r) => ({ line: r.line, cells: [...r.cells] })), errors: syntaxErrors };
}

describe('streaming a CSV export', () => {
  it.each([
    ['plain rows', 'a,b\n1,2\n3,4'],
    ['CRLF and a blank line', 'a,b\r\n1,2\r\n\r\n3,4\r\n'],
    ['a byte order mark, quoted commas, newlines and quotes', '\uFEFFa,b\n"x,\ny",2\n\n\n3,"q""r"\n'],
    ['a stray quote', 'Record ID,Deal Name,Amount\n1,"Fine",10\n2,"Bad"x,20\n3,Next,30\n4,Last,40\n'],
    ['a quote never closed', 'a\n1\n"unterminated\n2\n3\n'],
    ['a quote inside a bare cell', 'a,b\n1,x"y\n2,3\n'],
    ['old Mac line ends', 'a\r1\r2'],
    ['a blank file', ''],
  ])('reads %s exactly as csv-parse does, however the file is chunked', async (_name, text) => {
    for (const size of [1, 2, 5, 1 << 16]) expect(await streamed(text, size)).toEqual(whole(text));
  });

  it('agrees with csv-parse on any mix of cells, quotes and line ends', async () => {
    const piece = fc.constantFrom('a', 'b', ',', '"', '""', '\n', '\r\n', '\r', 'x y', '\uFEFF');
    await fc.assert(fc.asyncProperty(fc.array(piece, { maxLength: 30 }), fc.integer({ min: 1, max: 8 }), async (parts, size) => {
      const text = parts.join('');
      expect(await streamed(text, size)).toEqual(whole(text));
    }), { numRuns: 2_000 });
  });

  it('reads a quoted field of 32 MB (a pasted document, quotes and all) as one cell, in time linear in its size', async () => {
    const field = 'ab""'.repeat(8 * 1024 * 1024);
    const text = `a,b\n1,"${field}"\n2,3\n`;
    const { header, rows, errors } = await streamed(text, 1 << 20);
    expect(header).toEqual(['a', 'b']);
    expect(rows.map((r) => [r.line, r.cells[0], r.cells[1]?.length])).toEqual([[2, '1', 24 * 1024 * 1024], [3, '2', 1]]);
    expect(rows[0]!.cells[1]!.slice(0, 6)).toBe('ab"ab"');
    expect(errors).toEqual([]);
  }, 15_000);

  it('stops at a sink that throws', async () => {
    for (const text of ['a,b\n1,2\n', 'a\r1\r2']) {
      await expect(streamCsvRecords([text], { record: () => { throw new Error('no header wanted'); }, error: () => undefined })).rejects.toThrow('no header wanted');
    }
  });
});
