// `npm run bench -- soak`: the service as it is deployed beyond one process: SOAK_SERVICES `approval-router serve`
// processes (WORKER_ENABLED=false) and SOAK_WORKERS `approval-router worker` processes (2 and 2 by default) on one
// Postgres, the driver sending each stream's requests to the services in turn. An open loop of card views, decisions
// and signed webhook batches runs for a warm-up (its figures on a line of their own: the processes have just started)
// and then for the measured run; latency runs from each request's scheduled time. Prints errors, p50/p99/max per
// endpoint beside the target, p99 by tenth of the run, whether every accepted decision is stored exactly once, the
// jobs left when the load stops and how long they take to drain, every portal's trace chain, each process's RSS (its
// peak too) and where the CPU went; with SOAK_DIAGNOSE=1, what Postgres did meanwhile (support/pg-activity.ts). It
// never fails on a time.
import type { ChildProcess } from 'node:child_process';
import { DEMO_PORTAL_ID } from '../server/demo/seed-demo-portal.js';
import { tracePortals, verifyChain } from '../server/store/traces.js';
import { freePort, startBenchPostgres } from './support/bench-postgres.js';
import { samplePgActivity, serviceDurations, serviceTailText, timeWalFlushes } from './support/pg-activity.js';
import { prepareCrowd } from './support/crowd.js';
import { drainJobs, jobsBacklog, setupDrainedLine } from './support/jobs-backlog.js';
import { closeIdleSockets } from './support/lean-client.js';
import { formatPhase, formatRun, HUBSPOT_FETCH, p99ByTenth, runOpenLoop, type Stream } from './support/open-loop.js';
import { cpuShares, rssMiB, sampleRss, spawnCli, stopAll, waitForReady } from './support/process.js';
import { webhookRequest } from './support/signed-requests.js';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 120);
const WARMUP_SECONDS = Number(process.env.SOAK_WARMUP_SECONDS ?? 40);
const CARD_RATE = Number(process.env.SOAK_CARD_RATE ?? 130);
const DECISION_RATE = Number(process.env.SOAK_DECISION_RATE ?? 50);
const WEBHOOK_RATE = Number(process.env.SOAK_WEBHOOK_RATE ?? 20);
const SERVICES = Number(process.env.SOAK_SERVICES ?? 2);
const DIAGNOSE = process.env.SOAK_DIAGNOSE === '1';
const WORKERS = Number(process.env.SOAK_WORKERS ?? 2);
const EVENTS_PER_BATCH = 10;
const APPROVERS_PER_REQUEST = 40;
const TARGETS = { 'card view': 50, decision: 50, 'webhook batch': 50 };
const SECRET = 'soak-client-secret-0123456789abcdef';

const postgres = await startBenchPostgres('soak');
const db = postgres.db;
const processes: { name: string; child: ChildProcess }[] = [];
try {
  if (DIAGNOSE) await timeWalFlushes(postgres.url);
  const env = { DATABASE_URL: postgres.url, HUBSPOT_CLIENT_SECRET: SECRET, LOG_LEVEL: 'warn', NODE_ENV: 'development' };
  const bases: string[] = [];
  for (let i = 0; i < SERVICES; i++) {
    const port = await freePort();
    bases.push(`http://127.0.0.1:${port}`);
    // With no worker process, the services run the jobs themselves, as `npm start` does.
    processes.push({ name: `service ${i + 1}`, child: spawnCli('serve', { ...env, PORT: String(port), PUBLIC_BASE_URL: bases.at(-1)!, WORKER_ENABLED: WORKERS > 0 ? 'false' : 'true' }) });
  }
  for (let i = 0; i < WORKERS; i++) processes.push({ name: `worker ${i + 1}`, child: spawnCli('worker', env) });
  await Promise.all(bases.map((base, i) => waitForReady(`${base}/readyz`, processes[i]!.child)));
  const rssAtBoot = processes.map(({ child }) => rssMiB(child.pid));

  const crowd = await prepareCrowd({ db, secret: SECRET, base: bases[0]!, decisions: DECISION_RATE * (WARMUP_SECONDS + SECONDS), approversPerRequest: APPROVERS_PER_REQUEST, firstDealId: 800_000 });
  // The crowd's requests were just opened: their tasks and emails (one per approver) go out before the load starts,
  // as they would have long before a day like this one, so the measured run carries only its own work.
  console.log(setupDrainedLine(await drainJobs(db)));
  console.log(`node ${process.version}; ${SERVICES} service and ${WORKERS} worker processes on one Postgres; card views ${CARD_RATE}/s, decisions ${DECISION_RATE}/s and webhook batches of ${EVENTS_PER_BATCH} events ${WEBHOOK_RATE}/s for ${SECONDS} s after a ${WARMUP_SECONDS} s warm-up, at most ${HUBSPOT_FETCH.maxInFlightPerAccount} card requests in flight for the account; ${crowd.requestIds.length} pending requests of ${APPROVERS_PER_REQUEST} approvers each`);

  // Webhooks echo each deal's amount as the CRM holds it, as HubSpot resends a change: the worker takes each event
  // through the inbox and finds the approval standing, so decisions keep landing on pending requests.
  let webhookEvents = 0;
  const nextWebhook = (target: string) => {
    const first = webhookEvents;
    webhookEvents += EVENTS_PER_BATCH;
    return {
      request: webhookRequest(SECRET, target, Array.from({ length: EVENTS_PER_BATCH }, (_, k) => {
        const deal = crowd.deals[(first + k) % crowd.deals.length]!;
        return { eventId: first + k + 1, dealId: deal.id, propertyName: 'amount', propertyValue: deal.amount };
      })),
    };
  };
  const streams: Stream[] = [
    { name: 'card view', rate: CARD_RATE, account: DEMO_PORTAL_ID, make: crowd.nextCardView },
    { name: 'decision', rate: DECISION_RATE, account: DEMO_PORTAL_ID, make: crowd.nextDecision },
    // HubSpot posts webhooks on its own, outside the limit on the card's requests.
    { name: 'webhook batch', rate: WEBHOOK_RATE, account: null, make: nextWebhook },
  ];
  const openLoop = (seconds: number) => runOpenLoop({ streams, seconds, targets: bases });

  if (WARMUP_SECONDS > 0) console.log(`warm-up, ${WARMUP_SECONDS} s from a cold start: ${formatPhase(await openLoop(WARMUP_SECONDS))}`);
  const rss = sampleRss(processes.map(({ child }) => child.pid));
  const cpu = cpuShares(processes.map(({ name, child }) => ({ name, pid: child.pid })));
  const activity = DIAGNOSE ? await samplePgActivity(postgres.url) : undefined;
  const durationsBefore = DIAGNOSE ? await serviceDurations(bases, 50) : undefined;
  const run = await openLoop(SECONDS);
  const activityText = await activity?.stop();
  const tailText = durationsBefore ? serviceTailText(durationsBefore, await serviceDurations(bases, 50), 50) : undefined;
  const rssSamples = rss.stop();
  const cpuText = cpu();

  console.log(`\nmeasured run, ${SECONDS} s (latency from each request's scheduled time):\n${formatRun(run, TARGETS)}`);
  console.log(`p99 ms by tenth of the run: ${run.streams.map((stream) => `${stream.name} ${p99ByTenth(stream, SECONDS).map((ms) => (Number.isNaN(ms) ? '-' : ms.toFixed(0))).join(' ')}`).join('; ')}`);
  console.log(cpuText);
  if (activityText) console.log(activityText);
  if (tailText) console.log(tailText);
  // Information, not a target: a process's heap may grow to four times what survived its last full collection before
  // the next one (server/heap-growth.ts), so a run of minutes cannot tell a leak from a heap filling toward that.
  console.log(`RSS at boot -> start of the measured run -> its peak -> its end: ${processes.map(({ name }, i) => {
    const samples = rssSamples[i]!;
    return `${name} ${[rssAtBoot[i]!, samples[0]!, Math.max(...samples), samples.at(-1)!].map((mib) => mib.toFixed(0)).join(' -> ')} MiB`;
  }).join('; ')}`);
  console.log(await crowd.checkDecisions(db));

  console.log(`jobs when the load stopped: ${(await jobsBacklog(db)).text}`);
  const after = await drainJobs(db);
  console.log(after.left.done
    ? `jobs drained ${after.seconds.toFixed(1)} s after the load stopped (${after.left.text})`
    : `jobs NOT drained ${after.limitMs / 1000} s after the load stopped: ${after.left.text}`);

  for (const portalId of await tracePortals(db)) {
    const verdict = await verifyChain(db, portalId);
    console.log(`trace chain of portal ${portalId}: ${verdict.ok ? `intact, ${verdict.rows} rows` : `BROKEN at ${verdict.seq}: ${verdict.problem}`}`);
  }
  const exited = processes.filter(({ child }) => child.exitCode !== null);
  console.log(exited.length === 0 ? `all ${processes.length} processes ran to the end` : `exited early: ${exited.map(({ name, child }) => `${name} (code ${child.exitCode})`).join(', ')}`);
} finally {
  closeIdleSockets();
  await stopAll(processes.map(({ child }) => child));
  await postgres.close();
}
