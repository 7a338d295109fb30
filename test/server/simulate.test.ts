import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { run } from '../../server/commands/simulate.js';
import type { SimulationReport } from '../../server/simulate/print-simulation.js';
import { terminalText } from '../../server/terminal-text.js';

const POLICY = 'examples/policies/sales-deal-desk.yaml';
const CANDIDATE = 'examples/exports/candidate-policy.yaml';
const DIRECTORY = 'examples/sales-deal-desk/directory.yaml';
const folder = mkdtempSync(path.join(tmpdir(), 'simulate-test-'));

function file(name: string, text: string): string {
  const target = path.join(folder, name);
  writeFileSync(target, text);
  return target;
}

/** Runs the command as the CLI does and captures what it prints. */
async function simulate(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...line: unknown[]) => { out.push(line.join(' ')); });
  vi.spyOn(console, 'error').mockImplementation((...line: unknown[]) => { err.push(line.join(' ')); });
  const code = await run([...args, '--at', '2026-11-27T09:00:00Z']);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

afterEach(() => { vi.restoreAllMocks(); });

// Line 1 is the header; line 4 lacks two cells; line 6 repeats line 2's id; line 7 has no id.
const SMALL_EXPORT = [
  'Record ID,Deal Name,Amount,Deal owner,Discount (%),Payment terms,Deal Stage',
  '9001,"Globex, renewal",50000,Noah King,25,net_30,Contract Sent',
  '9002,Initech pilot,20000,noah.king@acme.example,9,net_30,Qualified To Buy',
  '9003,Broken row,1000,Ava Stone',
  '9004,Large deal,750000,Ava Stone,0,net_30,Qualified To Buy',
  '9001,Duplicate,1,Ava Stone,0,net_30,Qualified To Buy',
  ',No id,1,Ava Stone,0,net_30,Qualified To Buy',
  '9005,Unknown owner,60000,Sam Doe,12,net_90,Qualified To Buy',
].join('\n');
const MAP = ['--map', 'Discount (%)=discount_percent', '--map', 'Payment terms=payment_terms'];

describe('approval-router simulate', () => {
  it('reads a HubSpot CSV export, maps labels, and reports each bad row with its line number', async () => {
    const deals = file('small.csv', SMALL_EXPORT);
    const { code, out } = await simulate(['--deals', deals, '--policy', POLICY, '--directory', DIRECTORY, ...MAP]);
    expect(code).toBe(0);
    expect(out).toMatch(/Simulated 4 deals .* \(csv, 7 rows, 3 skipped\)/);
    expect(out).toContain('line 4: has 4 cells where the header has 7');
    expect(out).toContain('line 6: repeats Record ID 9001 (first on line 2)');
    expect(out).toContain('line 7: has no Record ID');
    expect(out).toContain('"Discount (%)" → discount_percent');
    expect(out).toContain('"Deal owner" → hubspot_owner_id');
    expect(out).toMatch(/"Sam Doe": 1 deal/);
  });

  it('prints the same as JSON with --json: routes, steps, approver load per policy', async () => {
    const deals = file('small.csv', SMALL_EXPORT);
    const { code, out } = await simulate(['--deals', deals, '--policy', POLICY, '--directory', DIRECTORY, ...MAP, '--json']);
    expect(code).toBe(0);
    const report = JSON.parse(out) as SimulationReport;
    expect(Object.keys(report).sort()).toEqual(['baseline', 'candidate', 'diff', 'history', 'input']);
    expect(report.input).toMatchObject({ format: 'csv', rows: 7, deals: 4, at: '2026-11-27T09:00:00Z', unresolvedOwners: [{ value: 'Sam Doe', deals: 1 }] });
    expect(report.input.badRows).toEqual([
      { line: 4, problem: 'has 4 cells where the header has 7' },
      { line: 6, problem: 'repeats Record ID 9001 (first on line 2)' },
      { line: 7, problem: 'has no Record ID' },
    ]);
    expect(report.input.missingProperties.candidate).toEqual(['contract_term_months', 'non_standard_contract']);
    // 9001: discount 25 → 35 points → standard; 9002: 9% → 0 → auto; 9004: 750,000 → executive; 9005: 12% + net 90 → 40 → finance-terms.
    expect(report.candidate.routes.map((r) => [r.routeId, r.outcome, r.deals])).toEqual([
      ['executive', 'routed', 1], ['finance-terms', 'routed', 1], ['standard', 'routed', 1], ['auto', 'auto_approved', 1],
    ]);
    expect(report.candidate.steps).toContainEqual({ routeId: 'executive', stepId: 'finance', label: 'Finance quorum', deals: 1 });
    // Noah's (NA) deal waits on ben or bella; Ava's (EMEA) executive deal on anna; Sam Doe is unknown, so the role falls back to the deal desk.
    const load = Object.fromEntries(report.candidate.approverLoad.map((a) => [a.approver, a.requests]));
    expect(load).toMatchObject({ 'ben.carter@acme.example': 1, 'bella.diaz@acme.example': 1, 'anna.berg@acme.example': 1, 'dealdesk@acme.example': 1, 'cro@acme.example': 1 });
    expect(report.baseline).toBeNull();
    expect(report.diff).toBeNull();
  });

  it('lists the deals whose route or score changes between the baseline and the candidate', async () => {
    const deals = file('small.csv', SMALL_EXPORT);
    const { out } = await simulate(['--deals', deals, '--policy', CANDIDATE, '--baseline', POLICY, '--directory', DIRECTORY, ...MAP, '--json']);
    const report = JSON.parse(out) as SimulationReport;
    // The candidate scores discounts from 8%: 9002 (9%) moves from auto-approval to the line manager.
    expect(report.diff).toMatchObject({ compared: 4, routeChanged: 1, scoreChanged: 1, unchanged: 3, transitions: [{ from: 'auto', to: 'light', deals: 1 }] });
    expect(report.diff?.changes).toEqual([{
      id: '9002', name: 'Initech pilot',
      baseline: { routeId: 'auto', outcome: 'auto_approved', score: 0 },
      candidate: { routeId: 'light', outcome: 'routed', score: 15 },
    }]);
    const text = await simulate(['--deals', deals, '--policy', CANDIDATE, '--baseline', POLICY, '--directory', DIRECTORY, ...MAP]);
    expect(text.out).toMatch(/Changes, baseline → candidate: 1 of 4 deals change route, 1 change score/);
    expect(text.out).toMatch(/9002\s+"Initech pilot"\s+auto \(0\) → light \(15\)/);
  });

  it('prints the export\'s text with its control characters escaped, never raw, as text and as JSON', async () => {
    const hostile = SMALL_EXPORT
      .replace('Deal Stage', 'Deal Stage\u001b[8m')
      .replace('Initech pilot', '\u001b]0;pwned\u0007Initech\u009b2J')
      .replace('Sam Doe', 'Sam \u001b[31mDoe\u202e');
    const deals = file('hostile.csv', hostile);
    const args = ['--deals', deals, '--policy', CANDIDATE, '--baseline', POLICY, '--directory', DIRECTORY, ...MAP];

    const text = await simulate(args);
    // Nothing left that escaping would change: no control character reaches the terminal raw.
    expect(terminalText(text.out)).toBe(text.out);
    expect(text.out).toContain('"\\x1b]0;pwned\\x07Initech\\x9b2J"');
    expect(text.out).toContain('"Sam \\x1b[31mDoe\\u202e": 1 deal');
    expect(text.out).toContain('"Deal Stage\\x1b[8m"');

    const json = await simulate([...args, '--json']);
    expect(terminalText(json.out)).toBe(json.out);
    const report = JSON.parse(json.out) as SimulationReport;
    expect(report.diff?.changes[0]?.name).toBe('\u001b]0;pwned\u0007Initech\u009b2J');
  });

  it('estimates cycle time per route from a history file, reporting its bad lines', async () => {
    const deals = file('small.csv', SMALL_EXPORT);
    const history = file('history.csv', 'route,step,hours,outcome\nstandard,manager,2,approved\nstandard,manager,4,approved\nstandard,manager,lots,approved\nlight,line-manager,1.5,approved\nfinance-terms,finance,10,approved\n');
    const { out } = await simulate(['--deals', deals, '--policy', POLICY, '--directory', DIRECTORY, ...MAP, '--history', history, '--json']);
    const report = JSON.parse(out) as SimulationReport;
    expect(report.history).toMatchObject({ samples: 4, badRows: [{ line: 4, problem: '"hours" is "lots", not a number of hours' }] });
    const standard = report.candidate.routes.find((r) => r.routeId === 'standard');
    expect(standard?.cycle).toMatchObject({ p50Hours: 2, p90Hours: 4, complete: true });
    // finance-terms/manager has no history of its own: it borrows the manager step's samples from other routes.
    const terms = report.candidate.routes.find((r) => r.routeId === 'finance-terms');
    expect(terms?.cycle?.steps).toEqual([
      { step: 'manager', basis: 'step', samples: 2, p50: 2, p90: 4 },
      { step: 'finance', basis: 'route', samples: 1, p50: 10, p90: 10 },
    ]);
    expect(terms?.cycle?.p50Hours).toBe(12);
  });

  it('reads JSONL of {id, properties} and reports a line that is not JSON', async () => {
    const deals = file('deals.jsonl', [
      JSON.stringify({ id: '9101', properties: { amount: '120000', discount_percent: '25', hubspot_owner_id: '102' } }),
      '{"id": "9102", "properties": ',
      '',
      JSON.stringify({ id: 9103, properties: { amount: 5000, discount_percent: '0', hubspot_owner_id: '101' } }),
      JSON.stringify({ id: '9104', properties: { amount: ['1'] } }),
    ].join('\n'));
    const { out } = await simulate(['--deals', deals, '--policy', POLICY, '--directory', DIRECTORY, '--json']);
    const report = JSON.parse(out) as SimulationReport;
    expect(report.input).toMatchObject({ format: 'jsonl', deals: 2 });
    expect(report.input.badRows.map((b) => b.line)).toEqual([2, 5]);
    expect(report.input.badRows[1]?.problem).toBe('properties.amount is an array, not a string');
  });

  it('names the lines a broken quote swallowed instead of dropping them', async () => {
    const deals = file('quotes.csv', 'Record ID,Deal Name,Amount\n1,"Fine",10\n2,"Bad"x,20\n3,Next,30\n4,Last,40\n');
    const { out } = await simulate(['--deals', deals, '--policy', POLICY, '--json']);
    const report = JSON.parse(out) as SimulationReport;
    const accounted = report.input.deals + report.input.badRows.reduce((t, b) => t + (b.endLine ?? b.line) - b.line + 1, 0);
    expect(accounted).toBe(4);
    expect(report.input.badRows[0]).toMatchObject({ line: 3, problem: expect.stringMatching(/cannot be read as CSV/) });
  });

  it('refuses a file without an id column, a --map label the file lacks, and a malformed --map', async () => {
    const noId = file('noid.csv', 'Deal Name,Amount\nA,1\n');
    expect((await simulate(['--deals', noId, '--policy', POLICY])).err).toMatch(/no column holds the deal id/);
    const deals = file('small.csv', SMALL_EXPORT);
    const missing = await simulate(['--deals', deals, '--policy', POLICY, '--map', 'Discount=discount_percent']);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/--map names the column "discount", which the file does not have/);
    const malformed = await simulate(['--deals', deals, '--policy', POLICY, '--map', 'Discount (%)=Discount Percent']);
    expect(malformed.code).toBe(2);
    expect(malformed.err).toMatch(/is not Label=internal_name/);
  });

  it('runs the shipped sample export through both example policies', async () => {
    const { code, out } = await simulate([
      '--deals', 'examples/exports/deals.csv', '--policy', CANDIDATE, '--baseline', POLICY, '--directory', DIRECTORY,
      '--history', 'examples/exports/history.csv', '--map', readFileSync('examples/exports/column-map.txt', 'utf8').trim(), '--json',
    ]);
    expect(code).toBe(0);
    const report = JSON.parse(out) as SimulationReport;
    expect(report.input).toMatchObject({ rows: 200, deals: 200, badRows: [], ignoredColumns: ['Associated Company'] });
    expect(report.candidate.routes.reduce((t, r) => t + r.deals, 0)).toBe(200);
    expect(report.diff?.routeChanged).toBeGreaterThan(0);
    expect(report.candidate.expectedHoursPerDeal).toBeGreaterThan(report.baseline?.expectedHoursPerDeal ?? Infinity);
  });
});
