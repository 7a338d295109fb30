// Reads a history file for cycle estimates: CSV with a route,step,hours header or JSONL objects (see
// src/simulate/history.ts); bad rows are reported with their line numbers.
import { readHistorySample, type History, type HistorySample } from '../../src/simulate/history.js';
import type { BadRow } from '../../src/simulate/export-rows.js';
import { formatOf, parseCsvRows, readText } from './read-export-file.js';

export async function readHistoryFile(file: string): Promise<History> {
  return parseHistoryText(await readText(file), file);
}

/** A history's text, CSV or JSONL as its name says (or, without one, as its first character suggests). */
export function parseHistoryText(text: string, fileName = ''): History {
  const samples: HistorySample[] = [];
  const badRows: BadRow[] = [];
  const take = (line: number, cells: Record<string, unknown>) => {
    const sample = readHistorySample(cells);
    if (typeof sample === 'string') badRows.push({ line, problem: sample });
    else samples.push(sample);
  };
  if (formatOf(fileName, text) === 'jsonl') {
    text.split(/\r?\n/).forEach((line, i) => {
      if (line.trim() === '') return;
      try {
        const value: unknown = JSON.parse(line);
        if (typeof value === 'object' && value !== null && !Array.isArray(value)) take(i + 1, value as Record<string, unknown>);
        else badRows.push({ line: i + 1, problem: 'is not a JSON object' });
      } catch (error) {
        badRows.push({ line: i + 1, problem: `is not JSON: ${(error as Error).message}` });
      }
    });
  } else {
    const { header, rows, syntaxErrors } = parseCsvRows(text);
    const names = header.map((h) => h.trim().toLowerCase());
    badRows.push(...syntaxErrors);
    for (const row of rows) take(row.line, Object.fromEntries(names.map((name, i) => [name, row.cells[i]])));
  }
  return { samples, badRows: badRows.sort((a, b) => a.line - b.line) };
}
