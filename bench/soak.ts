// `npm run bench -- soak`: the real service (its own process, embedded or DATABASE_URL Postgres) under a steady
// mix of card views, decisions and signed webhook batches at 200 requests/s for 120 s on loopback. Prints errors,
// p50/p99 per endpoint, the service's RSS at start and end, lost or duplicated decisions, and the trace chain check.
// Before the measured run, the same mix runs for SOAK_WARMUP_SECONDS (40 by default): a service that has just
// started compiles, fills its pools and caches, traces every card's first evaluation, and V8 sizes its heap to the
// load (with 20 s, the RSS still rose in steps for the first 12 to 36 s of the measured run and then held, which is
// start-up, not growth). Its figures for that phase are printed on their own line rather than mixed into the steady
// state's. It never fails on a time.
// SOAK_SECONDS, SOAK_RATE and SOAK_WARMUP_SECONDS change the load.
import { spawn } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEMO_PORTAL_ID } from '../server/demo/seed-demo-portal.js';
import { signRequest, withCardIdentity } from '../server/http/sign-request.js';
import { tracePortals, verifyChain } from '../server/store/traces.js';
import { crowdPolicy } from '../test/support/factories.js';
import { parsePolicy } from '../src/policy/parse-policy.js';
import { freePort, startBenchPostgres } from './support/bench-postgres.js';
import { closeIdleSockets, prepare, send, sendPrepared, type PreparedRequest } from './support/lean-client.js';
import { cpuShares, rssMiB, SERVICE_NODE_FLAGS, stealSeconds, waitForReady } from './support/process.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const SECONDS = Number(process.env.SOAK_SECONDS ?? 120);
const RATE = Number(process.env.SOAK_RATE ?? 200);
const WARMUP_SECONDS = Number(process.env.SOAK_WARMUP_SECONDS ?? 40);
const SECRET = 'soak-client-secret-0123456789abcdef';
const APPROVERS = 40;
/** The service's name for each endpoint in its request-duration histogram. */
const ROUTES = { card: '/api/v1/deals/:dealId/card', decision: '/api/v1/requests/:requestId/decisions', webhook: '/webhooks/hubspot' };

const postgres = await startBenchPostgres('soak');
const db = postgres.db;
const port = await freePort();
// SOAK_WORKER=process runs the job worker as its own process (`approval-router worker`, WORKER_ENABLED=false on the
// service), as a busy deployment would; by default it runs inside the service, as `npm start` does.
const separateWorker = process.env.SOAK_WORKER === 'process';
const service = spawn(process.execPath, [...SERVICE_NODE_FLAGS, ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []), ...(process.env.SOAK_TRACE_GC ? ['--trace-gc'] : []), '--import', 'tsx', path.join(here, '../server/cli.ts'), 'serve'], {
  env: { ...process.env, DATABASE_URL: postgres.url, PORT: String(port), PUBLIC_BASE_URL: `http://127.0.0.1:${port}`, HUBSPOT_CLIENT_SECRET: SECRET, LOG_LEVEL: 'warn', NODE_ENV: 'development', WORKER_ENABLED: separateWorker ? 'false' : 'true' },
  stdio: ['ignore', 'inherit', 'inherit'],
});
const worker = separateWorker
  ? spawn(process.execPath, [...SERVICE_NODE_FLAGS, '--import', 'tsx', path.join(here, '../server/cli.ts'), 'worker'], {
    env: { ...process.env, DATABASE_URL: postgres.url, HUBSPOT_CLIENT_SECRET: SECRET, LOG_LEVEL: 'warn', NODE_ENV: 'development' },
    stdio: ['ignore', 'inherit', 'inherit'],
  })
  : undefined;
const base = `http://127.0.0.1:${port}`;
try {
  await waitForReady(`${base}/readyz`);
  // Every deal routes to one all-step of 40 approvers, so decisions keep landing on pending requests.
  const { source, users } = crowdPolicy(APPROVERS, 'all');
  const parsed = parsePolicy(source);
  if (!parsed.ok) throw new Error('soak policy invalid');
  await db('policy_versions').where({ portal_id: DEMO_PORTAL_ID }).update({ is_active: false });
  await db('policy_versions').insert({ portal_id: DEMO_PORTAL_ID, version: 99, name: 'Soak', source, document: JSON.stringify(parsed.policy), hash: parsed.hash, created_by: 'soak', is_active: true });
  for (const user of users) {
    await db('local_users').insert({ portal_id: DEMO_PORTAL_ID, email: user.email, owner_id: user.ownerId ?? null, user_id: user.userId, name: user.name, teams: user.teams }).onConflict(['portal_id', 'email']).merge();
  }
  const rep = { email: 'rep@crowd.example', userId: '9000' };
  const approvers = users.slice(1).map((user) => ({ email: user.email, userId: user.userId! }));
  const decisionsNeeded = Math.ceil((SECONDS + WARMUP_SECONDS) * RATE * 0.25);
  const requestCount = Math.ceil(decisionsNeeded / APPROVERS) + 5;
  const requestIds: string[] = [];
  const dealIds: string[] = [];
  for (let i = 0; i < requestCount; i++) {
    const dealId = String(800000 + i);
    dealIds.push(dealId);
    await db('local_deals').insert({ portal_id: DEMO_PORTAL_ID, id: dealId, properties: JSON.stringify({ dealname: `Soak ${i}`, hubspot_owner_id: '900', pipeline: 'default', dealstage: 'qualifiedtobuy', amount: String(1000 * i) }) });
    const opened = await call('POST', `/api/v1/deals/${dealId}/requests`, rep, { justification: 'soak', idempotencyKey: `soak-open-${i}` });
    if (opened.status !== 201) throw new Error(`could not open request ${i}: ${opened.status}`);
    requestIds.push((JSON.parse(opened.body) as { request: { id: string } }).request.id);
  }
  console.log(`node ${process.version}; ${RATE} req/s for ${SECONDS} s; ${requestIds.length} pending requests of ${APPROVERS} approvers each; job worker ${separateWorker ? 'in its own process' : 'inside the service'}`);

  const rssStart = rssMiB(service.pid);
  let decisionsAccepted = 0;
  const failures = new Map<string, number>();
  let decisionIndex = 0;
  let webhookEvent = 0;

  type Kind = 'card' | 'decision' | 'webhook';
  /** A request of the mix, signed and serialised when it goes out (a signature holds 5 minutes, a run may be longer). */
  interface Planned { kind: Kind; request: () => PreparedRequest }

  /** The nth request of the mix: 13 card views, 5 decisions and 2 webhook batches of 10 events in every 20. */
  function planRequest(n: number): Planned {
    const slot = n % 20;
    const kind: Kind = slot < 13 ? 'card' : slot < 18 ? 'decision' : 'webhook';
    if (kind === 'card') return { kind, request: () => prepared(signed('GET', `/api/v1/deals/${dealIds[n % dealIds.length]}/card`, approvers[n % APPROVERS]!)) };
    if (kind === 'decision') {
      const i = decisionIndex++;
      // Round-robin over the requests, so concurrent decisions rarely wait on the same request's row lock.
      const requestId = requestIds[i % requestIds.length]!;
      return { kind, request: () => prepared(signed('POST', `/api/v1/requests/${requestId}/decisions`, approvers[Math.floor(i / requestIds.length) % APPROVERS]!, { verdict: 'approve', idempotencyKey: `soak-decision-${i}` })) };
    }
    const firstEvent = webhookEvent + 1;
    webhookEvent += 10;
    return {
      kind,
      request: () => {
        const events = Array.from({ length: 10 }, (_, k) => ({
          eventId: firstEvent + k, subscriptionId: 1, portalId: Number(DEMO_PORTAL_ID), appId: 1, occurredAt: Date.now() + k,
          subscriptionType: 'deal.propertyChange', attemptNumber: 0, objectId: Number(dealIds[(n + k) % dealIds.length]),
          propertyName: 'amount', propertyValue: String(1000 * ((n + k) % dealIds.length)), changeSource: 'CRM_UI',
        }));
        const url = `${base}/webhooks/hubspot`;
        const webhook = signRequest({ secret: SECRET, method: 'POST', url, body: events, timestampMs: Date.now() });
        return prepare('POST', url, webhook.headers, webhook.rawBody);
      },
    };
  }

  /** Every request of a phase, in the order they go out. */
  let plannedSoFar = 0;
  function planFor(seconds: number): (Planned | undefined)[] {
    const plan = Array.from({ length: seconds * RATE }, (_, n) => planRequest(plannedSoFar + n));
    plannedSoFar += plan.length;
    return plan;
  }

  /** Drives a plan at RATE; the latencies and errors per endpoint, and RSS every tenth of the run. */
  async function drive(plan: (Planned | undefined)[]) {
    const seconds = plan.length / RATE;
    const latencies: Record<string, number[]> = { card: [], decision: [], webhook: [] };
    // The same latencies by tenth of the run, so a stall shows when it happened rather than only in the p99.
    const byTenth: Record<string, number[][]> = Object.fromEntries(Object.keys(latencies).map((kind) => [kind, Array.from({ length: 10 }, (): number[] => [])]));
    const errors: Record<string, number> = { card: 0, decision: 0, webhook: 0 };
    const pending: Promise<void>[] = [];
    const samples: number[] = [];
    // The driver's own event-loop delay, worst per tenth: a driver that stalls adds its stall to every latency it
    // measures, on every endpoint at once, while the service's own clock shows nothing.
    const driverDelay = monitorEventLoopDelay({ resolution: 5 });
    const driverStalls: number[] = [];
    const steal: number[] = [];
    let stealBefore = stealSeconds();
    const tenthDone = () => {
      driverStalls.push(driverDelay.max / 1e6);
      driverDelay.reset();
      const stealNow = stealSeconds();
      steal.push(stealNow - stealBefore);
      stealBefore = stealNow;
    };
    driverDelay.enable();
    const sampler = setInterval(() => {
      samples.push(rssMiB(service.pid));
      tenthDone();
    }, (seconds * 1000) / 10);
    const startedAt = performance.now();
    for (let n = 0; n < plan.length; n++) {
      const due = startedAt + (n * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
      const { kind, request } = plan[n]!;
      plan[n] = undefined;
      const bytes = request(); // signed now, as HubSpot signs a request as it sends it
      pending.push((async () => {
        const t0 = performance.now();
        let ok = false;
        try {
          const response = await sendPrepared(bytes);
          ok = response.status === 200;
          if (kind === 'decision') {
            if (ok) decisionsAccepted += 1;
            else failures.set(`decision ${response.status}: ${response.body.slice(0, 160)}`, (failures.get(`decision ${response.status}`) ?? 0) + 1);
          }
        } catch {
          ok = false;
        }
        latencies[kind]!.push(performance.now() - t0);
        byTenth[kind]![Math.min(9, Math.floor(((t0 - startedAt) / 1000 / seconds) * 10))]!.push(performance.now() - t0);
        if (!ok) errors[kind]! += 1;
      })());
    }
    await Promise.all(pending);
    clearInterval(sampler);
    if (driverStalls.length < 10) tenthDone();
    driverDelay.disable();
    for (const kind of Object.keys(latencies)) latencies[kind]!.sort((a, b) => a - b);
    for (const tenths of Object.values(byTenth)) for (const tenth of tenths) tenth.sort((a, b) => a - b);
    return { latencies, byTenth, errors, samples, driverStalls, steal };
  }

  const warmup = await drive(planFor(WARMUP_SECONDS));
  const errorsIn = (phase: { errors: Record<string, number> }) => Object.values(phase.errors).reduce((sum, n) => sum + n, 0);
  const all = (phase: { latencies: Record<string, number[]> }) => Object.values(phase.latencies).flat().sort((a, b) => a - b);
  console.log(`warm-up, ${WARMUP_SECONDS} s from a cold start: ${errorsIn(warmup)} errors, p50 ${pct(all(warmup), 0.5)} ms, p99 ${pct(all(warmup), 0.99)} ms; RSS ${rssStart.toFixed(0)} -> ${rssMiB(service.pid).toFixed(0)} MiB`);
  const measuredPlan = planFor(SECONDS);
  const rssMeasured = rssMiB(service.pid);
  // One read of the service's /metrics before the run and one after; each read also restarts its event-loop delay
  // histogram (prom-client's), so the one after gives the worst delay over the run.
  const metricsBefore = await serviceMetrics();
  const cpu = cpuShares(service.pid, worker?.pid);
  const { latencies, byTenth, errors, samples, driverStalls, steal } = await drive(measuredPlan);
  const rssEnd = rssMiB(service.pid); // as the load stops, before this driver's own read of /metrics
  const cpuUse = cpu();
  const metricsAfter = await serviceMetrics();
  const [servedBefore, servedAfter] = [servedWithin(metricsBefore, 0.05), servedWithin(metricsAfter, 0.05)];

  console.log(`\n${'endpoint'.padEnd(12)} ${'requests'.padStart(9)} ${'errors'.padStart(7)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)}`);
  for (const kind of ['card', 'decision', 'webhook']) {
    const sorted = latencies[kind]!;
    console.log(`${kind.padEnd(12)} ${String(sorted.length).padStart(9)} ${String(errors[kind]).padStart(7)} ${pct(sorted, 0.5).padStart(8)} ${pct(sorted, 0.99).padStart(8)}`);
  }
  // The service's own clock (its request-duration histogram), from the request's arrival to its answer's last byte:
  // the driver's figures add the loopback and the driver's own time, and the driver runs on the same two cores.
  console.log(`over 50 ms by the service's own clock: ${Object.entries(ROUTES).map(([kind, route]) => {
    const all = (servedAfter.get(route)?.all ?? 0) - (servedBefore.get(route)?.all ?? 0);
    const within = (servedAfter.get(route)?.within ?? 0) - (servedBefore.get(route)?.within ?? 0);
    return `${kind} ${all === 0 ? '-' : `${(((all - within) / all) * 100).toFixed(2)}%`}`;
  }).join(', ')} (a p99 under 50 ms is under 1%)`);
  console.log(`p99 ms by tenth of the run: ${Object.entries(byTenth).map(([kind, tenths]) => `${kind} ${tenths.map((tenth) => pct(tenth, 0.99)).join(' ')}`).join('; ')}`);
  console.log(`worst event-loop delay: service ${loopDelayMax(metricsAfter)} ms over the run; load driver by tenth ${driverStalls.map((ms) => ms.toFixed(0)).join(' ')} ms; CPU time stolen by the host by tenth ${steal.map((seconds) => (seconds * 1000).toFixed(0)).join(' ')} ms`);
  console.log(cpuUse.text);
  for (const [what, count] of [...failures].slice(0, 5)) console.log(`  failure: ${what} (${count})`);
  const stored = Number((await db('decisions').whereIn('request_id', requestIds).count())[0]?.count);
  const distinct = Number((await db('decisions').whereIn('request_id', requestIds).countDistinct({ n: db.raw('(request_id, approver_email)') }))[0]?.n);
  console.log(`\ndecisions answered 200: ${decisionsAccepted}; stored: ${stored}; duplicates: ${stored - distinct}; lost: ${decisionsAccepted - stored}`);
  console.log(`service RSS: ${rssStart.toFixed(0)} MiB idle at boot; ${rssMeasured.toFixed(0)} MiB at the start of the measured run; every tenth of it: ${samples.map((mib) => mib.toFixed(0)).join(', ')} MiB; ${rssEnd.toFixed(0)} MiB at end`);
  console.log(`RSS growth over the measured run: ${(((rssEnd - rssMeasured) / rssMeasured) * 100).toFixed(1)}% (target < 20%); V8 heap in use ${heapMiB(metricsBefore)} -> ${heapMiB(metricsAfter)} MiB, heap reserved from the system ${heapMiB(metricsAfter, 'total')} MiB at end`);
  // The outbox behind the answers: what was still waiting when the load stopped, and how long it took to finish.
  const backlog = async () => {
    const { rows } = await db.raw<{ rows: { kind: string; n: number; age: number }[] }>(`SELECT kind, count(*)::int AS n, EXTRACT(EPOCH FROM now() - min(run_at))::float AS age
      FROM jobs WHERE state = 'queued' AND run_at <= now() GROUP BY kind ORDER BY kind`);
    const unprocessed = Number((await db('webhook_events').whereNull('processed_at').count())[0]?.count);
    return { rows, unprocessed, due: rows.reduce((sum, row) => sum + Number(row.n), 0) };
  };
  const describe = (b: Awaited<ReturnType<typeof backlog>>) => `${b.due === 0 ? 'no job due' : b.rows.map((row) => `${row.n} ${row.kind} (oldest ${row.age.toFixed(1)} s)`).join(', ')}`
    + `; webhook events not yet processed: ${b.unprocessed}`;
  let left = await backlog();
  console.log(`job queue when the load stopped: ${describe(left)}`);
  const drainStart = performance.now();
  while ((left.due > 0 || left.unprocessed > 0) && performance.now() - drainStart < 120_000) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    left = await backlog();
  }
  console.log(left.due === 0 && left.unprocessed === 0
    ? `job queue drained ${((performance.now() - drainStart) / 1000).toFixed(1)} s after the load stopped`
    : `job queue NOT drained 120 s after the load stopped: ${describe(left)}`);
  for (const portalId of await tracePortals(db)) {
    const verdict = await verifyChain(db, portalId);
    console.log(`trace chain of portal ${portalId}: ${verdict.ok ? `intact, ${verdict.rows} rows` : `BROKEN at ${verdict.seq}: ${verdict.problem}`}`);
  }
} finally {
  closeIdleSockets();
  service.kill('SIGTERM');
  worker?.kill('SIGTERM');
  await Promise.all([service, ...(worker ? [worker] : [])].map((child) => new Promise((resolve) => child.once('exit', resolve))));
  await postgres.close();
}

/** The service's /metrics, as text. */
async function serviceMetrics(): Promise<string> {
  return (await fetch(`${base}/metrics`)).text();
}

/** Per route, the requests the service had answered 200, and those it answered within `seconds`, from /metrics. */
function servedWithin(text: string, seconds: number): Map<string, { all: number; within: number }> {
  const served = new Map<string, { all: number; within: number }>();
  for (const match of text.matchAll(/^approval_router_http_request_duration_seconds_bucket\{le="([^"]+)",[^}]*route="([^"]+)",status="200"\} (\S+)$/gm)) {
    const [, le, route, count] = match as unknown as [string, string, string, string];
    const entry = served.get(route) ?? { all: 0, within: 0 };
    if (le === '+Inf') entry.all = Number(count);
    if (le !== '+Inf' && Number(le) === seconds) entry.within = Number(count);
    served.set(route, entry);
  }
  return served;
}

/** The service's worst event-loop delay since the read of /metrics before this one, in ms. */
function loopDelayMax(text: string): string {
  const seconds = Number(/^approval_router_nodejs_eventloop_lag_max_seconds (\S+)$/m.exec(text)?.[1]);
  return Number.isFinite(seconds) ? (seconds * 1000).toFixed(0) : '?';
}

/** The service's V8 heap in use (or reserved, 'total'), from its own /metrics, in MiB. */
function heapMiB(text: string, which: 'used' | 'total' = 'used'): string {
  const bytes = Number(new RegExp(`^approval_router_nodejs_heap_size_${which}_bytes (\\S+)$`, 'm').exec(text)?.[1]);
  return Number.isFinite(bytes) ? (bytes / 1024 / 1024).toFixed(0) : '?';
}

/** A card request as the card sends it (identity in the query), signed as HubSpot signs it. */
function signed(method: 'GET' | 'POST', pathname: string, user: { email: string; userId: string }, body?: unknown) {
  const url = withCardIdentity(`${base}${pathname}`, { portalId: DEMO_PORTAL_ID, ...user });
  const request = signRequest({ secret: SECRET, method, url, body, timestampMs: Date.now() });
  return { method, url, headers: request.headers, ...(body === undefined ? {} : { body: request.rawBody }) };
}

function prepared(request: ReturnType<typeof signed>): PreparedRequest {
  return prepare(request.method, request.url, request.headers, request.body);
}

function call(method: 'GET' | 'POST', pathname: string, user: { email: string; userId: string }, body?: unknown) {
  const request = signed(method, pathname, user, body);
  return send(request.method, request.url, request.headers, request.body);
}

function pct(sorted: number[], q: number): string {
  if (sorted.length === 0) return '-';
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(1);
}


