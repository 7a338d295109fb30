// `npm run bench -- sync` (or `npx tsx bench/sync.ts`): HubSpot API calls per approval lifecycle and webhook
// acknowledgement speed, against a real Postgres. The service runs in this process (createApp over a real port, the
// job worker beside it) with the real HubSpotCrm and @hubspot/api-client, HubSpot answered by nock after 50–150 ms.
// Prints: calls for a lone deal's lifecycle (request, decision, syncs), calls per state change when 1,000 deals go
// through request and approval with the worker running, HubSpot calls per card view and card view p50/p99 (unchanged
// deals viewed with the card's freshness hint, served by the deal cache, beside views without one), and signed
// webhook batches acknowledged per second with p50/p99. It never fails on a time. SYNC_DEALS, SYNC_CONCURRENCY,
// SYNC_CARD_VIEWS and SYNC_WEBHOOK_BATCHES change the load.
import type { Server } from 'node:http';
import type Nock from 'nock';
import { Writable } from 'node:stream';
import { parsePolicy } from '../src/policy/parse-policy.js';
import { createCaches } from '../server/cache/caches.js';
import { withDirectoryCache } from '../server/cache/hubspot-directory.js';
import { createDb } from '../server/db/database.js';
import { createApp } from '../server/http/app.js';
import { signRequest, withCardIdentity } from '../server/http/sign-request.js';
import { createClientFactory } from '../server/hubspot/hubspot-client.js';
import { HubSpotCrm } from '../server/hubspot/hubspot-crm.js';
import { TokenCipher } from '../server/hubspot/token-crypto.js';
import { TokenStore } from '../server/hubspot/token-store.js';
import { jobHandlers } from '../server/jobs/handlers.js';
import { JobWorker } from '../server/jobs/worker.js';
import { createLogger } from '../server/logger.js';
import { activatePolicyVersion, savePolicyVersion } from '../server/store/policies.js';
import { upsertPortal } from '../server/store/portals.js';
import { crowdPolicy } from '../test/support/factories.js';
import { freePort } from '../test/support/spawn-service.js';
import { startBenchPostgres } from './support/bench-postgres.js';

const DEALS = Number(process.env.SYNC_DEALS ?? 1000);
const CONCURRENCY = Number(process.env.SYNC_CONCURRENCY ?? 20); // hubspot.fetch allows 20 concurrent requests per account
const WEBHOOK_BATCHES = Number(process.env.SYNC_WEBHOOK_BATCHES ?? 300);
const WEBHOOK_CONCURRENCY = 10;
const EVENTS_PER_BATCH = 100; // the most HubSpot sends a request
const CARD_VIEWS = Number(process.env.SYNC_CARD_VIEWS ?? 2000);
const CARD_CONCURRENCY = 10;
/** Open-loop arrival rates: card views of unchanged deals a second, and webhook batches a second. */
const CARD_RATE = Number(process.env.SYNC_CARD_RATE ?? 100);
const WEBHOOK_RATE = Number(process.env.SYNC_WEBHOOK_RATE ?? 20);
/** Every fake deal's hs_lastmodifieddate, as HubSpot's objects API gives it, and as the card's hint sends it. */
const DEAL_MODIFIED_AT = '2026-11-01T10:00:00.000Z';
const SECRET = 'bench-sync-client-secret-0123456789';
const PORTAL_ID = '44000001';
const HUBSPOT_API = 'https://api.hubapi.com';
const ACCESS_TOKEN = 'bench-access-token';

const postgres = await startBenchPostgres('sync');
// Imported only now: once loaded, nock's socket interception makes every loopback port look taken, and the
// embedded Postgres would refuse to start.
const { default: nock } = await import('nock');
const db = createDb(postgres.url, { poolMax: 10 });
let server: Server | undefined;
let worker: JobWorker | undefined;
try {
  // The portal: installed, flag on, one route to one approver, tokens sealed in the store as an install leaves them.
  const { source, users } = crowdPolicy(1, 'any');
  const parsed = parsePolicy(source);
  if (!parsed.ok) throw new Error('bench policy invalid');
  // The service's one clock, the wall clock, as server/main.ts wires it: tokens, the CRM and the use cases read it.
  const clock = () => new Date();
  const seededAt = clock().toISOString();
  await upsertPortal(db, { id: PORTAL_ID, name: 'Bench portal', installState: 'installed', featureFlag: 'on', installedByEmail: 'admin@crowd.example', settings: { admins: ['admin@crowd.example'] } }, seededAt);
  await db.transaction(async (trx) => {
    const { version } = await savePolicyVersion(trx, { portalId: PORTAL_ID, source, document: parsed.policy, hash: parsed.hash, createdBy: 'bench', at: seededAt });
    await activatePolicyVersion(trx, PORTAL_ID, version.id, 'bench', seededAt);
  });
  const tokens = new TokenStore({
    db, cipher: TokenCipher.fromSpec(`bench:${Buffer.alloc(32, 3).toString('base64')}`),
    app: { clientId: 'bench-client', clientSecret: SECRET, redirectUri: 'https://approvals.example.com/oauth/callback', scopes: ['oauth'] }, now: clock,
  });
  await tokens.save(db, PORTAL_ID, { accessToken: ACCESS_TOKEN, refreshToken: 'bench-refresh', expiresInSeconds: 1800 }, { scopes: ['oauth'], hubDomain: 'bench.hubspot.com' });
  // As server/main.ts wires it: the process's caches, the HubSpot directory kept for a minute.
  const cache = createCaches();
  const crm = withDirectoryCache(new HubSpotCrm({ clientFor: createClientFactory(tokens), now: clock }), cache.hubspotDirectory);

  const calls = fakeHubSpot(nock, users);
  const logger = createLogger({ level: 'warn', destination: new Writable({ write: (_chunk, _encoding, callback) => callback() }) });
  const deps = { db, logger, now: clock, crmFor: () => crm, cache };
  // The port is chosen first: the service verifies signatures over its own base URL, which the app is built with.
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const app = createApp({ ...deps, signature: { secret: SECRET, baseUrl: base } });
  server = await new Promise<Server>((resolve) => { const s = app.listen(port, '127.0.0.1', () => resolve(s)); });
  worker = new JobWorker(deps, { handlers: jobHandlers, pollIntervalMs: 500 });

  const rep = { email: users[0]!.email, userId: users[0]!.userId! };
  const approver = { email: users[1]!.email, userId: users[1]!.userId! };
  const call = async (method: 'GET' | 'POST', pathname: string, user: { email: string; userId: string }, body?: unknown, query = '') => {
    const url = withCardIdentity(`${base}${pathname}${query}`, { portalId: PORTAL_ID, ...user });
    const signed = signRequest({ secret: SECRET, method, url, body, timestampMs: Date.now() });
    const response = await fetch(url, { method, headers: signed.headers, ...(body === undefined ? {} : { body: signed.rawBody }) });
    const json = await response.json() as { request?: { id: string } };
    return { status: response.status, json };
  };
  const lifecycleOf = async (dealId: string, between: () => Promise<void>) => {
    const opened = await call('POST', `/api/v1/deals/${dealId}/requests`, rep, { justification: 'bench', idempotencyKey: `bench-open-${dealId}` });
    if (opened.status !== 201) throw new Error(`request on deal ${dealId}: HTTP ${opened.status} ${JSON.stringify(opened.json)}`);
    await between();
    const decided = await call('POST', `/api/v1/requests/${opened.json.request!.id}/decisions`, approver, { verdict: 'approve', idempotencyKey: `bench-approve-${dealId}` });
    if (decided.status !== 200) throw new Error(`decision on deal ${dealId}: HTTP ${decided.status} ${JSON.stringify(decided.json)}`);
  };
  const drain = async () => { while ((await worker!.runOnce()) > 0) { /* next batch */ } };

  console.log(`node ${process.version}; HubSpot on nock answering after 50–150 ms; ${DEALS} deals, ${CONCURRENCY} concurrent card requests`);

  // A lone deal, the worker keeping up between steps (so its pending and approved states are two writes).
  const lone = async (label: string, dealId: string) => {
    calls.reset();
    await lifecycleOf(dealId, drain);
    await drain();
    console.log(`${label.padEnd(44)} ${String(calls.total()).padStart(3)} calls (${calls.describe()})`);
    return calls.of('deal read') + calls.of('owners read') + calls.of('batch update');
  };
  console.log('\nHubSpot API calls per approval lifecycle (request, decision, property syncs):');
  await lone('lone deal, directory not yet cached', '1');
  const loneWarm = await lone('lone deal, directory cached (the usual case)', '2');

  // 1,000 deals through request and approval at card concurrency, the worker polling beside the traffic.
  calls.reset();
  worker.start();
  const started = performance.now();
  const dealIds = Array.from({ length: DEALS }, (_, i) => String(100_000 + i));
  await inParallel(dealIds, CONCURRENCY, (dealId) => lifecycleOf(dealId, () => Promise.resolve()));
  const trafficSeconds = (performance.now() - started) / 1000;
  while (Number((await db('jobs').where({ kind: 'sync_deal' }).whereIn('state', ['queued', 'running']).count<{ count: string }[]>('* as count'))[0]!.count) > 0) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const syncedSeconds = (performance.now() - started) / 1000;
  await worker.stop();
  const stateChanges = DEALS * 2; // pending, then approved
  const writes = calls.of('batch update');
  const dead = Number((await db('jobs').where({ state: 'dead' }).count<{ count: string }[]>('* as count'))[0]!.count);
  console.log(`\n${DEALS} deals through request and approval in ${trafficSeconds.toFixed(1)} s, all synced after ${syncedSeconds.toFixed(1)} s (dead jobs: ${dead})`);
  console.log(`  calls: ${calls.total()} (${calls.describe()})`);
  console.log(`  property writes per state change: ${(writes / stateChanges).toFixed(4)} (${writes} batch calls for ${stateChanges} state changes; target ≤ 0.1)`);
  console.log(`  all HubSpot calls per lifecycle: ${(calls.total() / DEALS).toFixed(3)} (the request's deal read is a live read, never batched)`);
  console.log(`  lone deal, directory cached: ${loneWarm} calls to read and sync the deal (target ≤ 3; the HubSpot channel's notes and tasks come on top)`);

  // Card views: each deal viewed once with no copy kept (a live read that leaves one), then unchanged deals viewed
  // again and again with the card's hint (served by the deal cache), beside views without a hint (always live).
  const viewed = dealIds.slice(0, Math.min(200, dealIds.length));
  const hint = `?dealModifiedAt=${Date.parse(DEAL_MODIFIED_AT)}`;
  const views = async (count: number, query: string) => {
    calls.reset();
    const latencies: number[] = [];
    await inParallel(Array.from({ length: count }, (_, i) => viewed[i % viewed.length]!), CARD_CONCURRENCY, async (dealId) => {
      const t0 = performance.now();
      const { status, json } = await call('GET', `/api/v1/deals/${dealId}/card`, rep, undefined, query);
      if (status !== 200) throw new Error(`card view of deal ${dealId}: HTTP ${status} ${JSON.stringify(json)}`);
      latencies.push(performance.now() - t0);
    });
    latencies.sort((a, b) => a - b);
    return `${(calls.total() / count).toFixed(3)} HubSpot calls per view (${calls.describe()}); p50 ${pct(latencies, 0.5)} ms, p99 ${pct(latencies, 0.99)} ms`;
  };
  console.log(`\ncard views of ${viewed.length} deals, ${CARD_CONCURRENCY} at a time, HubSpot answering after 50–150 ms:`);
  console.log(`  first views with the hint (no copy yet):      ${await views(viewed.length, hint)}`);
  console.log(`  unchanged deals, with the hint (${CARD_VIEWS} views): ${await views(CARD_VIEWS, hint)} (targets: ≤ 0.05 calls, p99 < 25 ms)`);
  console.log(`  without a hint (live reads, ${Math.min(CARD_VIEWS, 500)} views):   ${await views(Math.min(CARD_VIEWS, 500), '')}`);
  // The same unchanged views arriving as a portal's users send them: at a fixed rate, at most 20 in flight (HubSpot's
  // proxy), each latency from its scheduled time, so queueing behind a closed loop's own requests does not count.
  {
    calls.reset();
    const count = CARD_RATE * 10;
    const latencies = await atRate(count, CARD_RATE, CONCURRENCY, async (i) => {
      const { status } = await call('GET', `/api/v1/deals/${viewed[i % viewed.length]!}/card`, rep, undefined, hint);
      if (status !== 200) throw new Error(`card view: HTTP ${status}`);
    });
    console.log(`  unchanged deals, with the hint, ${CARD_RATE}/s open loop (${count} views): ${(calls.total() / count).toFixed(3)} HubSpot calls per view; p50 ${pct(latencies, 0.5)} ms, p99 ${pct(latencies, 0.99)} ms (target p99 < 25 ms)`);
  }

  // Webhooks: signed batches of 100 events, acknowledged once stored (processing is the worker's, stopped here).
  nock.restore(); // loopback only from here on: keep nock's interception out of the measured latency
  let eventId = 1;
  const webhookBatch = () => {
    const now = Date.now();
    const events = Array.from({ length: EVENTS_PER_BATCH }, (_, k) => ({
      eventId: eventId++, subscriptionId: 1, portalId: Number(PORTAL_ID), appId: 1, occurredAt: now + k,
      subscriptionType: 'deal.propertyChange', attemptNumber: 0, objectId: Number(dealIds[(eventId + k) % dealIds.length]),
      propertyName: 'amount', propertyValue: String(1000 + eventId), changeSource: 'CRM_UI',
    }));
    const url = `${base}/webhooks/hubspot`;
    const signed = signRequest({ secret: SECRET, method: 'POST', url, body: events, timestampMs: now });
    return { url, signed };
  };
  const postBatch = async () => {
    const { url, signed } = webhookBatch();
    const t0 = performance.now();
    const response = await fetch(url, { method: 'POST', headers: signed.headers, body: signed.rawBody });
    await response.arrayBuffer();
    return { ms: performance.now() - t0, ok: response.status === 200 };
  };
  await inParallel(Array.from({ length: 30 }), WEBHOOK_CONCURRENCY, postBatch); // warm-up
  console.log(`\nwebhooks: signed batches of ${EVENTS_PER_BATCH} events, stored and acknowledged (the worker is stopped)`);
  for (const concurrency of [1, WEBHOOK_CONCURRENCY]) {
    const latencies: number[] = [];
    let failures = 0;
    const webhookStart = performance.now();
    await inParallel(Array.from({ length: WEBHOOK_BATCHES }), concurrency, async () => {
      const { ms, ok } = await postBatch();
      latencies.push(ms);
      if (!ok) failures += 1;
    });
    const webhookSeconds = (performance.now() - webhookStart) / 1000;
    latencies.sort((a, b) => a - b);
    console.log(`  ${String(concurrency).padStart(2)} at a time: ${(WEBHOOK_BATCHES / webhookSeconds).toFixed(0)} batches/s (${((WEBHOOK_BATCHES * EVENTS_PER_BATCH) / webhookSeconds).toFixed(0)} events/s); p50 ${pct(latencies, 0.5)} ms, p99 ${pct(latencies, 0.99)} ms (target < 50 ms); non-200: ${failures}`);
  }
  {
    let failures = 0;
    const latencies = await atRate(WEBHOOK_RATE * 10, WEBHOOK_RATE, WEBHOOK_CONCURRENCY, async () => {
      const { ok } = await postBatch();
      if (!ok) failures += 1;
    });
    console.log(`  ${WEBHOOK_RATE} batches/s open loop (${WEBHOOK_RATE * EVENTS_PER_BATCH} events/s), at most ${WEBHOOK_CONCURRENCY} in flight: p50 ${pct(latencies, 0.5)} ms, p99 ${pct(latencies, 0.99)} ms (target < 50 ms); non-200: ${failures}`);
  }
} finally {
  await worker?.stop();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  await db.destroy();
  await postgres.close();
}

/** HubSpot on nock: deals, owners, batch updates (and anything else, counted as `other`), each after 50–150 ms. */
function fakeHubSpot(nock: typeof Nock, users: { email: string; ownerId?: string | undefined; userId?: string | undefined; name?: string | undefined; teams: string[] }[]) {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
  const counts = new Map<string, number>();
  let seed = 42;
  const latency = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31; // a fixed sequence: runs compare
    return new Promise((resolve) => setTimeout(resolve, 50 + (seed % 101)));
  };
  const counted = <T>(operation: string, answer: (req: Request) => T | Promise<T>) => async (req: Request) => {
    counts.set(operation, (counts.get(operation) ?? 0) + 1);
    await latency();
    return answer(req);
  };
  const stamp = { createdAt: '2026-01-05T10:00:00.000Z', updatedAt: '2026-11-01T10:00:00.000Z', archived: false };
  const scope = nock(HUBSPOT_API, { reqheaders: { authorization: `Bearer ${ACCESS_TOKEN}` } }).persist();
  scope.get(/^\/crm\/v3\/objects\/deals\/\d+/).query(true).reply(counted('deal read', (req) => {
    const url = new URL(req.url);
    const id = url.pathname.split('/').pop()!;
    const known: Record<string, string> = {
      dealname: `Bench deal ${id}`, amount: '25000', hubspot_owner_id: users[0]!.ownerId ?? '900', pipeline: 'default', dealstage: 'qualifiedtobuy',
      hs_lastmodifieddate: DEAL_MODIFIED_AT,
    };
    const properties = Object.fromEntries(url.searchParams.getAll('properties').flatMap((list) => list.split(',')).map((name) => [name, known[name] ?? null]));
    return [200, { id, properties: { hs_object_id: id, ...properties }, ...stamp }];
  }));
  scope.get('/crm/v3/owners/').query(true).reply(counted('owners read', () => [200, {
    results: users.map((user, i) => ({
      id: user.ownerId ?? String(5000 + i), email: user.email, userId: Number(user.userId), firstName: user.name ?? user.email, type: 'PERSON', ...stamp,
      teams: user.teams.map((name, t) => ({ id: String(100 + t), name, primary: t === 0 })),
    })),
  }]));
  scope.post('/crm/v3/objects/deals/batch/update').reply(counted('batch update', async (req) => {
    const { inputs } = await req.json() as { inputs: { id: string; properties: Record<string, string> }[] };
    return [200, { status: 'COMPLETE', results: inputs.map((input) => ({ id: input.id, properties: input.properties, ...stamp })), startedAt: stamp.updatedAt, completedAt: stamp.updatedAt }];
  }));
  scope.post('/crm/v3/objects/notes').reply(counted('note create', () => [201, { id: '1', properties: {}, ...stamp }]));
  scope.post('/crm/v3/objects/tasks').reply(counted('task create', () => [201, { id: '1', properties: {}, ...stamp }]));
  scope.patch(/^\/crm\/v3\/objects\/tasks\/\d+/).reply(counted('task complete', () => [200, { id: '1', properties: {}, ...stamp }]));
  scope.post(/.*/).reply(counted('other', () => [201, { id: '1', properties: {}, ...stamp }]));
  return {
    reset: () => counts.clear(),
    of: (operation: string) => counts.get(operation) ?? 0,
    total: () => [...counts.values()].reduce((sum, n) => sum + n, 0),
    describe: () => [...counts.entries()].map(([operation, n]) => `${operation} ${n}`).join(', ') || 'none',
  };
}

async function inParallel<T>(items: T[], limit: number, work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  }));
}

/**
 * Starts `count` calls of `work` at `perSecond`, evenly spaced, whether or not earlier ones finished, at most `limit`
 * at once (a call that finds them taken waits, and its wait counts). Returns each latency from its scheduled time, sorted.
 */
async function atRate(count: number, perSecond: number, limit: number, work: (index: number) => Promise<unknown>): Promise<number[]> {
  const latencies: number[] = [];
  const waiting: (() => void)[] = [];
  let inFlight = 0;
  const start = performance.now() + 20;
  await Promise.all(Array.from({ length: count }, async (_, i) => {
    const scheduled = start + (i * 1000) / perSecond;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, scheduled - performance.now())));
    if (inFlight >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    inFlight += 1;
    try {
      await work(i);
    } finally {
      inFlight -= 1;
      waiting.shift()?.();
    }
    latencies.push(performance.now() - scheduled);
  }));
  return latencies.sort((a, b) => a - b);
}

function pct(sorted: number[], q: number): string {
  if (sorted.length === 0) return '-';
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(1);
}
