// `npm run bench -- http`: the card API as users feel it. The service (`approval-router serve`, its job worker inside,
// as `npm start` runs it) on a Postgres holding 100,000 requests and 1,000,000 trace rows, under an open loop of card
// views (300/s) and decisions (100/s) for 60 s after a 10 s warm-up, at most 20 requests in flight for the account as
// HubSpot's proxy delivers them, once the setup's own jobs (the crowd's emails and tasks) are done. Latency runs from
// each request's scheduled time, so waits and stalls count. Prints p50, p99 and max per endpoint, errors by status,
// the targets beside them and the jobs left when the load stops; then, as information only, the saturation
// throughput of the card view beside a bare Express route (closed loop, autocannon). Never fails on a time.
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { ENGINE_VERSION } from '../src/hash.js';
import { DEMO_PORTAL_ID, demoDirectory } from '../server/demo/seed-demo-portal.js';
import { signRequest, withCardIdentity } from '../server/http/sign-request.js';
import { freePort, startBenchPostgres } from './support/bench-postgres.js';
import { prepareCrowd } from './support/crowd.js';
import { drainJobs, jobsBacklog, setupDrainedLine } from './support/jobs-backlog.js';
import { closeIdleSockets } from './support/lean-client.js';
import { formatPhase, formatRun, HUBSPOT_FETCH, p99ByTenth, runOpenLoop, type Outgoing, type Stream } from './support/open-loop.js';
import { cpuShares, rssMiB, spawnCli, stopAll, waitForReady } from './support/process.js';
import { callCard, cardRequest } from './support/signed-requests.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const CARD_RATE = Number(process.env.BENCH_CARD_RATE ?? 300);
const DECISION_RATE = Number(process.env.BENCH_DECISION_RATE ?? 100);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 10);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 100_000);
const TRACES = Number(process.env.BENCH_TRACES ?? 1_000_000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 100);
const SATURATION_SECONDS = Number(process.env.BENCH_SATURATION_SECONDS ?? 20);
const TARGETS = { 'card view': 25, decision: 50 };
const DEALS = 10_000;
const HOT_DEALS = 500;
const APPROVERS_PER_REQUEST = 40;
const SECRET = 'bench-client-secret-0123456789abcdef';

const postgres = await startBenchPostgres('http');
const db = postgres.db;
const children: ChildProcess[] = [];
try {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const service = spawnCli('serve', { DATABASE_URL: postgres.url, PORT: String(port), PUBLIC_BASE_URL: base, HUBSPOT_CLIENT_SECRET: SECRET, LOG_LEVEL: 'warn', NODE_ENV: 'development' },
    process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []);
  children.push(service);
  await waitForReady(`${base}/readyz`, service);
  console.log(`node ${process.version}; card views ${CARD_RATE}/s and decisions ${DECISION_RATE}/s for ${SECONDS} s after a ${WARMUP_SECONDS} s warm-up, at most ${HUBSPOT_FETCH.maxInFlightPerAccount} in flight for the account`);

  const seedStart = performance.now();
  const crowd = await prepareCrowd({ db, secret: SECRET, base, decisions: DECISION_RATE * (WARMUP_SECONDS + SECONDS), approversPerRequest: APPROVERS_PER_REQUEST, firstDealId: 800_000 });
  const policy = await db('policy_versions').where({ portal_id: DEMO_PORTAL_ID, is_active: true }).first<{ id: string }>();
  // Stamped by this process's clock, the wall clock the service reads too: the schema keeps no clock of its own.
  const seededAt = new Date().toISOString();
  await db.raw(`INSERT INTO local_deals (portal_id, id, updated_at, properties)
    SELECT ?, (100000 + g)::text, ?::timestamptz, jsonb_build_object('dealname', 'Bench deal ' || g, 'amount', (20000 + (g * 37) % 600000)::text,
      'discount_percent', ((g * 7) % 40)::text, 'payment_terms', (ARRAY['net_30','net_60','net_90'])[1 + g % 3],
      'contract_term_months', (ARRAY['12','24','36'])[1 + g % 3], 'hubspot_owner_id', (ARRAY['101','102','103'])[1 + g % 3],
      'pipeline', 'default', 'dealstage', 'qualifiedtobuy')
    FROM generate_series(1, ?) g`, [DEMO_PORTAL_ID, seededAt, DEALS]);
  // History: one request every five minutes for the year before the seeding (with 100,000 of them), each approved an
  // hour after it was asked, its columns and its lifecycle telling the same times. The last month of it is what the
  // worker's minute tick judges the portal's scorecard targets over, as it would in a busy portal.
  const lifecycle = JSON.stringify({
    state: 'approved', requester: 'noah.king@acme.example', owner: 'noah.king@acme.example', routeId: 'standard', policyHash: 'bench', justification: 'bench',
    steps: [{ id: 'manager', mode: 'any', quorum: 1, approvers: ['ben.carter@acme.example', 'bella.diaz@acme.example'], decisions: [{ approver: 'ben.carter@acme.example', verdict: 'approve', comment: 'ok', at: '@DECIDED@' }], status: 'approved', slaHours: 24, startedAt: '@REQUESTED@', dueAt: '@DUE@', escalatedAt: null }],
    currentStep: null, requestedAt: '@REQUESTED@', closedAt: '@DECIDED@', history: [],
  });
  const iso = (instant: string) => `to_char((${instant}) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
  await db.raw(`INSERT INTO approval_requests (id, portal_id, deal_id, requester_email, requester_user_id, justification, deal_snapshot, snapshot_hash,
      score, route_id, policy_version_id, state, lifecycle, evaluation, row_version, created_at, updated_at, closed_at)
    SELECT gen_random_uuid(), ?, (100000 + 1 + (g % ?))::text, 'noah.king@acme.example', '1002', 'bench', '{"id":"0","properties":{}}', 'x',
      35, 'standard', ?, 'approved',
      replace(replace(replace(?::text, '@REQUESTED@', ${iso('t')}), '@DECIDED@', ${iso("t + interval '1 hour'")}), '@DUE@', ${iso("t + interval '1 day'")})::jsonb,
      '{}', 2, t, t + interval '1 hour', t + interval '1 hour'
    FROM (SELECT g, ?::timestamptz - (?::int - g + 1) * interval '5 minutes' - interval '1 hour' AS t FROM generate_series(1, ?) g) history`,
  [DEMO_PORTAL_ID, DEALS, policy.id, lifecycle, seededAt, REQUESTS, REQUESTS]);
  // Other portals' traces: the card view's own lookups must stay fast however large the table grows.
  await db.raw(`INSERT INTO traces (portal_id, seq, kind, deal_id, input, output, policy_hash, input_hash, engine_version, occurred_at, prev_hash, hash)
    SELECT 1000 + g % 100, g, 'evaluation', (g % 50000)::text, '{"bench":true}', '{"bench":true}', md5(g::text), md5('i' || g), ?, '2026-01-01T00:00:00.000Z', md5((g - 1)::text), md5(g::text)
    FROM generate_series(1, ?) g`, [ENGINE_VERSION, TRACES]);
  // A live portal's rows were vacuumed and checkpointed long ago: the run should not pay for the seeding's aftermath
  // (autovacuum's first pass over a million new rows, the checkpoint of their pages) while it measures.
  await db.raw('VACUUM (ANALYZE)');
  await db.raw('CHECKPOINT').catch((error: Error) => console.log(`no CHECKPOINT before the run (${error.message})`));
  console.log(`seeded ${REQUESTS.toLocaleString('en-US')} approved requests, ${TRACES.toLocaleString('en-US')} trace rows and ${crowd.requestIds.length} pending requests of ${APPROVERS_PER_REQUEST} approvers each in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`);
  // The crowd's requests were just opened: their tasks and emails (one per approver) go out before the load starts,
  // as they would have long before a day like this one, so the measured run carries only its own work.
  console.log(setupDrainedLine(await drainJobs(db)));

  // Most card views are of deals with a closed request, as the reps who own them see them; one in five is of a deal
  // waiting on a decision, as one of its approvers opens it.
  const { users } = demoDirectory();
  const viewers = users.filter((user) => ['noah', 'ben', 'mia'].some((name) => user.email.startsWith(name)));
  let cardViews = 0;
  const nextCardView = (target: string): Outgoing => {
    const k = cardViews++;
    if (k % 5 === 4) return crowd.nextCardView(target);
    const dealId = 100000 + 1 + ((k * 7919) % HOT_DEALS);
    return { request: cardRequest(SECRET, target, 'GET', `/api/v1/deals/${dealId}/card`, viewers[k % viewers.length]!) };
  };
  const streams: Stream[] = [
    { name: 'card view', rate: CARD_RATE, account: DEMO_PORTAL_ID, make: nextCardView },
    { name: 'decision', rate: DECISION_RATE, account: DEMO_PORTAL_ID, make: crowd.nextDecision },
  ];
  const openLoop = (seconds: number) => runOpenLoop({ streams, seconds, targets: [base] });

  // Warm-up: the JIT, the pools, and each hot deal's first evaluation traced, as a live portal's cards have been.
  const tracesBefore = await evaluationTraces();
  if (WARMUP_SECONDS > 0) console.log(`warm-up, ${WARMUP_SECONDS} s from a cold start: ${formatPhase(await openLoop(WARMUP_SECONDS))}; ${(await evaluationTraces()) - tracesBefore} evaluations traced`);

  const rssStart = rssMiB(service.pid);
  const cpu = cpuShares([{ name: 'service', pid: service.pid }]);
  const run = await openLoop(SECONDS);
  const cpuText = cpu();
  console.log(`\nopen loop, ${SECONDS} s (latency from each request's scheduled time):\n${formatRun(run, TARGETS)}`);
  console.log(`p99 ms by tenth of the run: ${run.streams.map((stream) => `${stream.name} ${p99ByTenth(stream, SECONDS).map((ms) => (Number.isNaN(ms) ? '-' : ms.toFixed(0))).join(' ')}`).join('; ')}`);
  console.log(cpuText);
  console.log(`service RSS ${rssStart.toFixed(0)} -> ${rssMiB(service.pid).toFixed(0)} MiB over the run`);
  console.log(await crowd.checkDecisions(db));
  console.log(`jobs when the load stopped: ${(await jobsBacklog(db)).text}`);
  closeIdleSockets();

  // Saturation, as information: how many card views the machine answers when nothing waits between them, beside a
  // bare Express route. Requests are signed ahead (a signature holds 5 minutes), so the driver spends its CPU on load.
  const signed = Array.from({ length: HOT_DEALS * viewers.length }, (_, i) => {
    const viewer = viewers[i % viewers.length]!;
    const pathAndQuery = withCardIdentity(`/api/v1/deals/${100000 + 1 + ((i * 7919) % HOT_DEALS)}/card`, { portalId: DEMO_PORTAL_ID, userId: viewer.userId, email: viewer.email });
    return { method: 'GET' as const, path: pathAndQuery, headers: signRequest({ secret: SECRET, method: 'GET', url: `${base}${pathAndQuery}`, timestampMs: Date.now() }).headers };
  });
  let n = 0;
  const card = await saturate(base, SATURATION_SECONDS, () => signed[(n += 1) % signed.length]!);
  const sampleBody = (await callCard(SECRET, base, 'GET', '/api/v1/deals/100001/card', viewers[0]!)).body;
  closeIdleSockets();
  const barePort = await freePort();
  const bare = fork(path.join(here, 'support/bare-server.ts'), [], { env: { ...process.env, PORT: String(barePort), BARE_PAYLOAD: sampleBody }, execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  children.push(bare);
  await new Promise((resolve) => bare.once('message', resolve));
  const barePath = () => ({ method: 'GET' as const, path: '/api/v1/deals/100001/card' });
  await saturate(`http://127.0.0.1:${barePort}`, 3, barePath);
  const peer = await saturate(`http://127.0.0.1:${barePort}`, SATURATION_SECONDS, barePath);
  const row = (name: string, r: autocannon.Result) => `${name.padEnd(22)} ${String(Math.round(r.requests.average)).padStart(8)} ${String(r.latency.p50).padStart(8)} ${String(r.latency.p99).padStart(8)} ${String(r.non2xx + r.errors + r.timeouts).padStart(8)}`;
  console.log(`\nsaturation (information, NOT a target): closed loop, ${CONNECTIONS} connections for ${SATURATION_SECONDS} s each, a card view of ${sampleBody.length} bytes beside a bare Express route answering the same bytes`);
  console.log(`${'endpoint'.padEnd(22)} ${'req/s'.padStart(8)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'errors'.padStart(8)}`);
  console.log(row('card view (service)', card));
  console.log(row('bare Express route', peer));
  console.log(`card view throughput: ${((card.requests.average / peer.requests.average) * 100).toFixed(1)}% of the bare route's`);
} finally {
  closeIdleSockets();
  await stopAll(children);
  await postgres.close();
}

async function evaluationTraces(): Promise<number> {
  return Number((await db('traces').where({ portal_id: DEMO_PORTAL_ID, kind: 'evaluation' }).count())[0]?.count);
}

function saturate(url: string, seconds: number, next: () => autocannon.Request): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon({
      url, connections: CONNECTIONS, duration: seconds,
      requests: [{ setupRequest: (request) => ({ ...request, ...next() }) }],
    }, (error: Error | null, result) => (error ? reject(error) : resolve(result)));
  });
}
