// `npx tsx bench/simulate.ts [--runs N] [--deals N]`: writes a generated HubSpot deals export (100,000 deals by
// default) and runs the real `approval-router simulate` on it through two policies, each run in its own process as
// a user would, printing deals per second, the whole run's wall time, its CPU time (user + system, which other
// processes on a shared machine disturb less than the wall time) and its peak memory (the child's max RSS).
// It prints figures; it never fails on a time.
import { spawn } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generateSampleExport, SAMPLE_COLUMN_MAP } from '../src/simulate/sample-export.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, deals: { type: 'string', default: '100000' } } });
const RUNS = Math.max(1, Number(values.runs));
const COUNT = Math.max(1, Number(values.deals));
const TARGET = { seconds: 3, mib: 300 };

// Loaded into the child before the CLI: at exit it writes the process's own resource usage to fd 3.
const REPORTER = `data:text/javascript,${encodeURIComponent(
  "import { writeSync } from 'node:fs'; process.on('exit', () => { try { writeSync(3, JSON.stringify(process.resourceUsage())); } catch {} });",
)}`;

interface Run {
  seconds: number;
  cpuSeconds: number;
  maxRssMiB: number;
  code: number | null;
  outputBytes: number;
}

async function runCli(args: string[], outFile: string): Promise<Run> {
  const out = openSync(outFile, 'w');
  const start = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', '--import', REPORTER, 'server/cli.ts', 'simulate', ...args], {
    cwd: root,
    stdio: ['ignore', out, 'inherit', 'pipe'],
  });
  let usage = '';
  child.stdio[3]!.on('data', (chunk: Buffer) => { usage += chunk.toString(); });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const seconds = (performance.now() - start) / 1000;
  closeSync(out);
  // resourceUsage() gives maxRSS in kibibytes and CPU times in microseconds.
  const used = usage ? (JSON.parse(usage) as { maxRSS: number; userCPUTime: number; systemCPUTime: number }) : null;
  return {
    seconds,
    cpuSeconds: used ? (used.userCPUTime + used.systemCPUTime) / 1e6 : NaN,
    maxRssMiB: used ? used.maxRSS / 1024 : NaN,
    code,
    outputBytes: statSync(outFile).size,
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

const folder = mkdtempSync(path.join(tmpdir(), 'bench-simulate-'));
try {
  const deals = path.join(folder, 'deals.csv');
  const generated = performance.now();
  writeFileSync(deals, generateSampleExport(COUNT, 2026));
  console.log(`node ${process.version}, ${fmt(COUNT)} generated deals (${(statSync(deals).size / 1024 / 1024).toFixed(1)} MiB of CSV, written in ${((performance.now() - generated) / 1000).toFixed(2)} s)`);

  const common = [
    '--deals', deals,
    '--policy', 'examples/exports/candidate-policy.yaml',
    '--baseline', 'examples/policies/sales-deal-desk.yaml',
    '--directory', 'examples/sales-deal-desk/directory.yaml',
    '--map', SAMPLE_COLUMN_MAP,
    '--at', '2026-12-22T09:00:00Z',
  ];
  const modes: { name: string; args: string[] }[] = [
    { name: '--json', args: [...common, '--json'] },
    { name: 'text', args: common },
  ];
  for (const mode of modes) {
    console.log(`\nsimulate ${mode.name} (baseline and candidate), ${RUNS} run${RUNS === 1 ? '' : 's'}, each a fresh process:`);
    const runs: Run[] = [];
    for (let i = 0; i < RUNS; i++) {
      const run = await runCli(mode.args, path.join(folder, 'out.txt'));
      runs.push(run);
      console.log(`  run ${i + 1}: ${run.seconds.toFixed(2)} s, ${fmt(COUNT / run.seconds)} deals/s, CPU ${run.cpuSeconds.toFixed(2)} s, peak RSS ${run.maxRssMiB.toFixed(0)} MiB, exit ${run.code}, ${(run.outputBytes / 1024 / 1024).toFixed(1)} MiB printed`);
    }
    const seconds = median(runs.map((r) => r.seconds));
    const cpu = median(runs.map((r) => r.cpuSeconds));
    const mib = median(runs.map((r) => r.maxRssMiB));
    console.log(`  median: ${seconds.toFixed(2)} s whole run (process start to exit), ${fmt(COUNT / seconds)} deals/s, CPU ${cpu.toFixed(2)} s, peak RSS ${mib.toFixed(0)} MiB`);
    console.log(`  target: under ${TARGET.seconds} s (${seconds < TARGET.seconds ? 'met' : 'not met'}), under ${TARGET.mib} MB peak (${mib * 1.048576 < TARGET.mib ? 'met' : 'not met'})`);
    if (runs.some((r) => r.code !== 0)) console.log('  note: a run exited non-zero; its figures are not comparable');
  }
} finally {
  rmSync(folder, { recursive: true, force: true });
}
