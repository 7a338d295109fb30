// `npx tsx bench/engine.ts`: scores and routes 100,000 generated deals through the sales example with
// the core (full explanations and approver resolution), and the same rules in json-rules-engine.
// It prints figures; it never fails on a time.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { compilePolicy, type RouteResult } from '../src/index.js';
import { generateDeals } from '../test/support/deal-generator.js';
import { loadExample } from '../test/support/examples.js';
import { buildRulesEngineRouter } from './json-rules-engine-policy.js';

const COUNT = 100_000;
const example = loadExample('sales-deal-desk');
const deals = generateDeals(COUNT, 2026);
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function runCore(keep: RouteResult[] | null): { seconds: number; checksum: number } {
  const compiled = compilePolicy(example.policy);
  let checksum = 0;
  const start = performance.now();
  for (const { deal, requester } of deals) {
    const score = compiled.score(deal);
    const route = compiled.route(deal, score.score, example.directory, { requester });
    checksum += score.score + route.tried.length;
    if (keep) keep.push(route);
  }
  return { seconds: (performance.now() - start) / 1000, checksum };
}

function heapUsed(): number {
  gc();
  return process.memoryUsage().heapUsed;
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const rate = (seconds: number) => Math.round(COUNT / seconds);

console.log(`node ${process.version}, ${COUNT.toLocaleString('en-US')} generated deals through "${example.policy.name}"\n`);

// Warm up, then take the best of three runs: the figure a steady service sees.
runCore(null);
const coreRuns = [runCore(null), runCore(null), runCore(null)];
const coreSeconds = Math.min(...coreRuns.map((r) => r.seconds));

const before = heapUsed();
const kept: RouteResult[] = [];
runCore(kept);
const retained = heapUsed() - before;
kept.length = 0;
const transientBefore = heapUsed();
runCore(null);
const afterDrop = heapUsed() - transientBefore;

const engine = buildRulesEngineRouter(example.policy);
const jreStart = performance.now();
let agree = 0;
const compiled = compilePolicy(example.policy);
const jreResults: (string | null)[] = [];
for (const { deal } of deals) jreResults.push((await engine.route(deal)).routeId);
const jreSeconds = (performance.now() - jreStart) / 1000;
deals.forEach(({ deal }, i) => {
  if (compiled.route(deal, compiled.score(deal).score, example.directory).routeId === jreResults[i]) agree++;
});

const coreRate = rate(coreSeconds);
const jreRate = rate(jreSeconds);
console.log(`core (score + route + approvers + explanation): ${coreRate.toLocaleString('en-US')} deals/s  (best of 3: ${coreSeconds.toFixed(3)} s per ${COUNT.toLocaleString('en-US')})`);
console.log(`json-rules-engine (score + route choice only):  ${jreRate.toLocaleString('en-US')} deals/s  (${jreSeconds.toFixed(3)} s)`);
console.log(`ratio: ${(coreRate / jreRate).toFixed(1)}x   route agreement: ${agree.toLocaleString('en-US')}/${COUNT.toLocaleString('en-US')}`);
console.log(`heap per ${COUNT.toLocaleString('en-US')} evaluations: ${mib(retained)} when every result is kept, ${mib(Math.max(0, afterDrop))} left after a run that keeps none`);
console.log(`targets: ≥ 200,000 deals/s (${coreRate >= 200_000 ? 'met' : 'not met'}), ≥ 20x json-rules-engine (${coreRate / jreRate >= 20 ? 'met' : 'not met'})`);
