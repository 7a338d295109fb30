// `approval-router report` and `approval-router baseline` against a real Postgres: the history one writes is the
// baseline the other imports, and the HTML report links the service's /metrics.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { run as baseline } from '../../server/commands/baseline.js';
import { run as report } from '../../server/commands/report.js';
import { useTestDatabase } from '../support/db.js';
import { tellScorecardStory } from '../support/scorecard-story.js';

const database = useTestDatabase();
const folder = mkdtempSync(path.join(tmpdir(), 'scorecard-cli-'));

/** Runs a command as the CLI does, on the test database, and captures what it prints. */
async function cli(run: (args: string[]) => Promise<number>, args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...line: unknown[]) => { out.push(line.join(' ')); });
  vi.spyOn(console, 'error').mockImplementation((...line: unknown[]) => { err.push(line.join(' ')); });
  vi.stubEnv('DATABASE_URL', database().url);
  vi.stubEnv('PUBLIC_BASE_URL', 'https://router.acme.example');
  const code = await run(args);
  vi.restoreAllMocks();
  return { code, out: out.join('\n'), err: err.join('\n') };
}

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

describe('approval-router report and baseline', () => {
  it('writes the period as history, imports it as the baseline, and shows it in the report', async () => {
    const { portal } = await tellScorecardStory(database().db);
    const historyFile = path.join(folder, 'history.csv');
    const htmlFile = path.join(folder, 'report.html');
    const period = ['--portal', portal.portalId, '--from', '2026-11-27', '--to', '2026-12-01'];

    const written = await cli(report, [...period, '--history-out', historyFile]);
    expect(written.code).toBe(0);
    expect(written.err).toContain(`wrote 4 decided steps to ${historyFile}`);
    const history = readFileSync(historyFile, 'utf8').trim().split('\n');
    expect(history[0]).toBe('route,step,hours,outcome,request,sla_hours,request_state');
    expect(history.slice(1).map((line) => line.split(',').filter((_, i) => i !== 4).join(',')).sort()).toEqual([
      // D's first request was approved by the period's end, then invalidated: its state at the end is invalidated.
      'standard,manager,1,approved,24,invalidated',
      'standard,manager,2,approved,24,approved',
      'standard,manager,30,approved,24,approved',
      'standard,manager,4,rejected,24,rejected',
    ]);

    const shown = await cli(baseline, ['show', '--portal', portal.portalId]);
    expect(shown.code).toBe(0);
    expect(shown.out).toMatch(/^Baseline from the first 30 days, 2026-11-27T00:00:00.000Z to 2026-12-27T00:00:00.000Z/);

    const imported = await cli(baseline, ['import', '--portal', portal.portalId, historyFile]);
    expect(imported.code).toBe(0);
    expect(imported.out).toMatch(/^Baseline imported from history.csv at .* by cli: 4 rows read, 0 skipped \(version 1\)/);
    // Requests A (2 h), B (4 h) and C (30 h) were decided; D's first ended invalidated.
    expect(imported.out).toMatch(/standard\s+4\.0 h\s+30\.0 h\s+3/);
    expect(imported.out).toContain('SLA breach rate 25% of 4 steps; approval rate 66.7% of 3 requests; re-approval rate 25% of 4 requests');

    const bad = file('bad.csv', 'route,step,hours\nstandard,manager,soon\n');
    const refused = await cli(baseline, ['import', '--portal', portal.portalId, bad]);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('no row of the history could be read (line 2: "hours" is "soon", not a number of hours)');

    const rendered = await cli(report, [...period, '--out', htmlFile]);
    expect(rendered.code).toBe(0);
    expect(rendered.out).toMatch(/Cycle time p50 — standard\s+4\.0 h\s+4\.0 h/);
    const html = readFileSync(htmlFile, 'utf8');
    expect(html).toContain('href="https://router.acme.example/metrics"');
    expect(html).toContain('Baseline: imported from history.csv');

    const reset = await cli(baseline, ['reset', '--portal', portal.portalId, '--json']);
    expect(reset.code).toBe(0);
    expect(JSON.parse(reset.out)).toMatchObject({ version: 2, baseline: { source: 'first_30_days' } });
  });
});

function file(name: string, text: string): string {
  const target = path.join(folder, name);
  writeFileSync(target, text);
  return target;
}
