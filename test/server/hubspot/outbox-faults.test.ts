// The outbox against HubSpot's faults, on the real HubSpotCrm and @hubspot/api-client answered by nock: rate
// limits of both policies, 5xx, timeouts, broken bodies, a revoked token, and a job that never succeeds. Time is
// driven by hand: the worker's clock is a test clock, the one that budgets, blocks and due jobs are decided by.
import { randomUUID } from 'node:crypto';
import nock from 'nock';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createClientFactory } from '../../../server/hubspot/hubspot-client.js';
import { HubSpotBudget } from '../../../server/hubspot/hubspot-budget.js';
import { HubSpotCrm } from '../../../server/hubspot/hubspot-crm.js';
import { TOKEN_PATH, type HubSpotApp } from '../../../server/hubspot/oauth.js';
import { TokenCipher } from '../../../server/hubspot/token-crypto.js';
import { TokenStore } from '../../../server/hubspot/token-store.js';
import { enqueueJob } from '../../../server/store/jobs.js';
import { JobWorker, type WorkerOptions } from '../../../server/jobs/worker.js';
import { createMetrics } from '../../../server/metrics.js';
import { findPortal } from '../../../server/store/portals.js';
import { buildTestApp, createClock, type TestClock } from '../../support/app.js';
import { useTestDatabase } from '../../support/db.js';
import { seedPortal } from '../../support/factories.js';
import { CLIENT_ID, CLIENT_SECRET, closeNetwork, dealAnswer, HUBSPOT_API, KEYS, oauthEndpoint } from '../../support/hubspot.js';
import { createTestLogger } from '../../support/logger.js';

const database = useTestDatabase();
const oauthApp: HubSpotApp = { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUri: 'https://approvals.example.com/oauth/callback', scopes: ['oauth'] };
const cipher = TokenCipher.fromSpec(KEYS.current);

beforeAll(closeNetwork);
afterEach(() => { nock.cleanAll(); });
afterAll(() => { nock.enableNetConnect(); });

const TEN_SECONDLY = { status: 'error', message: 'You have reached your ten_secondly_rolling limit.', errorType: 'RATE_LIMIT', correlationId: 'c0ffee00-0000-4000-8000-000000000001', policyName: 'TEN_SECONDLY_ROLLING', requestId: 'r-1' };
const DAILY_WHY = 'HubSpot\'s daily API limit for the portal is reached; its day ends at midnight UTC (HubSpot has not told its time zone)';
const DAILY = { status: 'error', message: 'You have reached your daily limit.', errorType: 'RATE_LIMIT', correlationId: 'c0ffee00-0000-4000-8000-000000000002', policyName: 'DAILY', requestId: 'r-2' };

type Answer = 'ok' | [status: number, body: unknown, headers?: Record<string, string>];
interface Received { ids: string[]; properties: Record<string, string>[]; status: number }

/**
 * HubSpot's batch update endpoint: `answer(n)` decides the n-th call (from 1); every body is recorded with the
 * status it got, so a test can count per deal how often a write was sent and how often HubSpot accepted it.
 */
function batchUpdateEndpoint(accessToken: string, answer: (call: number) => Answer, options: { delayFirstMs?: number } = {}) {
  const received: Received[] = [];
  const reply = async (req: Request) => {
    const { inputs } = await req.json() as { inputs: { id: string; properties: Record<string, string> }[] };
    const decided = answer(received.length + 1);
    const [status, body, headers] = decided === 'ok'
      ? [200, { status: 'COMPLETE', results: inputs.map((input) => dealAnswer(input.id, input.properties)), startedAt: '2026-11-27T09:00:00Z', completedAt: '2026-11-27T09:00:01Z' }, undefined]
      : decided;
    received.push({ ids: inputs.map((input) => input.id), properties: inputs.map((input) => input.properties), status });
    return [status, body, { 'Content-Type': 'application/json', ...headers }] as [number, unknown, Record<string, string>];
  };
  const scope = () => nock(HUBSPOT_API, { reqheaders: { authorization: `Bearer ${accessToken}` } }).post('/crm/v3/objects/deals/batch/update');
  if (options.delayFirstMs) scope().once().delay(options.delayFirstMs).reply(reply);
  scope().times(50).reply(reply);
  const sentTo = (dealId: string) => received.filter((call) => call.ids.includes(dealId));
  return {
    received,
    /** How many bodies carried this deal, and how many of them HubSpot accepted. */
    sent: (dealId: string) => sentTo(dealId).length,
    accepted: (dealId: string) => sentTo(dealId).filter((call) => call.status < 300).length,
  };
}

/** A portal installed with tokens sealed in the store and the flag `on`, a worker whose clock the test moves. */
async function installedWorld(options: { tokenExpiresInSeconds?: number; callTimeoutMs?: number; maxAttempts?: number; clockStart?: string; onOutcome?: WorkerOptions['onOutcome'] } = {}) {
  const { db } = database();
  const portal = await seedPortal(db, { flag: 'on' });
  const accessToken = `access-${portal.portalId}`;
  const tokens = new TokenStore({ db, cipher, app: oauthApp, now: () => new Date() });
  await tokens.save(db, portal.portalId, { accessToken, refreshToken: `refresh-${portal.portalId}`, expiresInSeconds: options.tokenExpiresInSeconds ?? 1800 }, { scopes: ['oauth'], hubDomain: 'acme.hubspot.com' });
  const clock = createClock(options.clockStart ?? '2026-11-27T09:00:00.000Z');
  const budget = new HubSpotBudget({ db, limits: { perTenSeconds: 110, interactiveReserve: 10, daily: 250_000 }, now: clock.now });
  const crm = new HubSpotCrm({
    clientFor: createClientFactory(tokens), budget: { gate: budget, caller: 'background' }, now: clock.now,
    ...(options.callTimeoutMs ? { callTimeoutMs: options.callTimeoutMs } : {}),
  });
  const { logger, lines } = createTestLogger();
  const worker = new JobWorker({ db, logger, crmFor: () => crm, now: clock.now }, {
    random: () => 0.5, maxAttempts: options.maxAttempts ?? 8, ...(options.onOutcome ? { onOutcome: options.onOutcome } : {}),
  });
  const portalId = portal.portalId;

  /**
   * Runs the worker until it finds nothing due, a few passes at most: a job deferred by a second of database time
   * could fall due again inside a slow pass, while the test's clock (and so the portal's block) stands still.
   */
  const drain = async () => {
    for (let pass = 0; pass < 4; pass++) {
      if ((await worker.runOnce()) === 0) return;
    }
  };
  /** The worker's clock moves on (the one clock jobs come due by). */
  const later = (seconds: number) => {
    clock.set(new Date(clock.now().getTime() + seconds * 1000).toISOString());
  };
  const enqueueSyncs = async (count: number) => {
    const dealIds: string[] = [];
    for (let i = 0; i < count; i++) {
      const dealId = String(7_000_000 + Math.floor(Math.random() * 1_000_000) * 100 + i);
      const requestId = randomUUID();
      await enqueueJob(db, { portalId, kind: 'sync_deal', key: dealId, payload: { dealId, requestId, version: 2, properties: { approval_router_status: 'approved', approval_router_request_id: requestId } } }, clock.now().toISOString());
      dealIds.push(dealId);
    }
    return dealIds;
  };
  const jobs = () => db('jobs').where({ portal_id: portalId, kind: 'sync_deal' }).orderBy('id')
    .select<{ id: string; state: string; attempts: number; last_error: string | null; run_at: Date }[]>('id', 'state', 'attempts', 'last_error', 'run_at');
  const blockedUntil = async () => (await db('portal_budgets').where({ portal_id: portalId }).first<{ blocked_until: Date | null } | undefined>())?.blocked_until ?? null;
  return { db, portalId, accessToken, clock, worker, logs: lines, drain, later, enqueueSyncs, jobs, blockedUntil };
}

const secondsAfter = (clock: TestClock, seconds: number) => new Date(clock.now().getTime() + seconds * 1000);

describe('the outbox on HubSpot\'s faults (real api-client on nock)', () => {
  it('under a storm of ten-secondly 429s, with and without Retry-After, waits as told and writes every deal exactly once', async () => {
    const world = await installedWorld();
    const dealIds = await world.enqueueSyncs(101); // two batches: 100 deals and 1
    const storm: Answer[] = [
      [429, TEN_SECONDLY, { 'Retry-After': '3' }],
      [429, TEN_SECONDLY],
      [429, TEN_SECONDLY, { 'Retry-After': '1' }],
      [429, TEN_SECONDLY],
    ];
    const hubspot = batchUpdateEndpoint(world.accessToken, (call) => storm[call - 1] ?? 'ok');

    await world.drain();
    expect(hubspot.received).toHaveLength(1); // the first batch met the 429; the second was held back, not sent
    expect(await world.blockedUntil()).toEqual(secondsAfter(world.clock, 3));
    expect((await world.jobs()).every((job) => job.state === 'queued' && job.attempts === 0)).toBe(true); // a rate limit is not the job's fault

    world.later(2);
    await world.drain();
    expect(hubspot.received).toHaveLength(1); // still inside the 3 s HubSpot named

    world.later(2);
    await world.drain();
    expect(hubspot.received).toHaveLength(2);
    expect(await world.blockedUntil()).toEqual(secondsAfter(world.clock, 10)); // no Retry-After: the rolling 10 s window

    world.later(5);
    await world.drain();
    expect(hubspot.received).toHaveLength(2);

    for (let round = 0; round < 10 && (await world.jobs()).some((job) => job.state !== 'done'); round++) {
      world.later(11);
      await world.drain();
    }

    expect(hubspot.received.map((call) => call.status)).toEqual([429, 429, 429, 429, 200, 200]);
    expect(hubspot.received.filter((call) => call.status === 200).map((call) => call.ids.length)).toEqual([100, 1]);
    for (const dealId of dealIds) expect(hubspot.accepted(dealId)).toBe(1);
    expect((await world.jobs()).map(({ state, attempts, last_error }) => ({ state, attempts, last_error }))).toEqual(dealIds.map(() => ({ state: 'done', attempts: 1, last_error: null })));
    expect(await world.db('synced_properties').where({ portal_id: world.portalId }).whereNot({ state: 'written' }).count()).toEqual([{ count: '0' }]);
  });

  it('a 429 of the DAILY policy blocks the portal until its next midnight (UTC when its time zone is unknown), and says so once', async () => {
    const world = await installedWorld({ clockStart: '2026-11-27T15:00:00.000Z' });
    const dealIds = await world.enqueueSyncs(3);
    const hubspot = batchUpdateEndpoint(world.accessToken, (call) => (call === 1 ? [429, DAILY] : 'ok'));

    await world.drain();
    const midnight = new Date('2026-11-28T00:00:00.000Z');
    expect(await world.blockedUntil()).toEqual(midnight);
    const [job] = await world.jobs();
    expect(job).toMatchObject({ state: 'queued', attempts: 0 });
    expect(job!.last_error).toBe(`HubSpot is not called for portal ${world.portalId} until 2026-11-28T00:00:00.000Z: ${DAILY_WHY}`);
    // The job itself sleeps about nine hours, not a few seconds.
    expect(job!.run_at.getTime() - world.clock.now().getTime()).toBeGreaterThan(9 * 3600_000 - 60_000);

    for (const at of ['2026-11-27T15:00:10.000Z', '2026-11-27T16:00:00.000Z', '2026-11-27T23:59:59.000Z']) {
      world.clock.set(at);
      world.later(0);
      await world.drain();
    }
    expect(hubspot.received).toHaveLength(1); // nothing was sent while the day lasted
    expect(await world.db('incidents').where({ portal_id: world.portalId }).select('kind', 'summary')).toEqual([
      { kind: 'sync_deferred', summary: `HubSpot sync delayed until 2026-11-28T00:00:00.000Z: ${DAILY_WHY}` },
    ]);

    world.clock.set('2026-11-28T00:00:01.000Z');
    world.later(0);
    await world.drain();
    expect(hubspot.received.map((call) => call.status)).toEqual([429, 200]);
    for (const dealId of dealIds) expect(hubspot.accepted(dealId)).toBe(1);
    expect((await world.jobs()).map((j) => j.state)).toEqual(['done', 'done', 'done']);
  });

  it('5xx answers are retried with backoff, counting attempts, and the write lands once', async () => {
    const world = await installedWorld();
    const dealIds = await world.enqueueSyncs(2);
    const failures: Answer[] = [
      [503, { status: 'error', message: 'Service Unavailable', category: 'SERVICE_UNAVAILABLE' }],
      [502, '<html><body>Bad Gateway</body></html>', { 'Content-Type': 'text/html' }],
    ];
    const hubspot = batchUpdateEndpoint(world.accessToken, (call) => failures[call - 1] ?? 'ok');

    await world.drain();
    expect(await world.jobs()).toEqual([expect.objectContaining({ state: 'queued', attempts: 1, last_error: 'HubSpot deal batch update failed: HTTP 503 SERVICE_UNAVAILABLE' }), expect.anything()]);
    expect(await world.blockedUntil()).toBeNull(); // a 5xx is not a rate limit: the portal is not blocked
    world.later(60);
    await world.drain();
    expect((await world.jobs())[0]).toMatchObject({ state: 'queued', attempts: 2, last_error: 'HubSpot deal batch update failed: HTTP 502' });
    world.later(60);
    await world.drain();

    expect(hubspot.received.map((call) => call.status)).toEqual([503, 502, 200]);
    for (const dealId of dealIds) expect(hubspot.accepted(dealId)).toBe(1);
    expect((await world.jobs()).map(({ state, attempts, last_error }) => ({ state, attempts, last_error }))).toEqual(dealIds.map(() => ({ state: 'done', attempts: 3, last_error: null })));
  });

  it('a HubSpot call that hangs past the client\'s deadline counts as no answer and is retried', async () => {
    const world = await installedWorld({ callTimeoutMs: 150 });
    const [dealId] = await world.enqueueSyncs(1);
    const hubspot = batchUpdateEndpoint(world.accessToken, () => 'ok', { delayFirstMs: 2_000 });

    const started = performance.now();
    await world.drain();
    expect(performance.now() - started).toBeLessThan(1_500); // the worker was not held by the hung call
    expect((await world.jobs())[0]).toMatchObject({ state: 'queued', attempts: 1, last_error: 'HubSpot deal batch update failed: no answer' });

    world.later(30);
    await world.drain();
    expect((await world.jobs())[0]).toMatchObject({ state: 'done', attempts: 2, last_error: null });
    // The hung call may have landed at HubSpot: the retry sends the same absolute values, so the deal converges.
    expect(hubspot.sent(dealId!)).toBe(2);
    expect(new Set(hubspot.received.map((call) => JSON.stringify(call.properties))).size).toBe(1);
  });

  it('a 2xx with a broken body (cut-short JSON, an HTML page) does not crash the worker and is retried', async () => {
    const world = await installedWorld();
    const [dealId] = await world.enqueueSyncs(1);
    const broken: Answer[] = [
      [200, '{"status":"COMPLETE","results":[{"id":'],
      [200, '<html><body>Maintenance</body></html>', { 'Content-Type': 'text/html' }],
    ];
    const hubspot = batchUpdateEndpoint(world.accessToken, (call) => broken[call - 1] ?? 'ok');

    await world.drain();
    expect((await world.jobs())[0]).toMatchObject({ state: 'queued', attempts: 1, last_error: 'HubSpot deal batch update failed: an unreadable answer' });
    world.later(30);
    await world.drain();
    expect((await world.jobs())[0]).toMatchObject({ state: 'queued', attempts: 2, last_error: 'HubSpot deal batch update failed: an unreadable answer' });
    world.later(30);
    await world.drain();

    expect((await world.jobs())[0]).toMatchObject({ state: 'done', attempts: 3 });
    expect(hubspot.accepted(dealId!)).toBe(3); // 2xx each time: HubSpot may have applied the first two as well
    expect(world.logs.join('\n')).not.toMatch(/"level":(50|60)/); // nothing worse than a warning was logged
  });

  it('a revoked token (invalid_grant) marks the portal uninstalled and parks its jobs at once, with one refresh call', async () => {
    const world = await installedWorld({ tokenExpiresInSeconds: 60 }); // inside the refresh margin: the next call refreshes
    await world.enqueueSyncs(3);
    let refreshes = 0;
    oauthEndpoint(TOKEN_PATH, (form) => form.grant_type === 'refresh_token' && form.refresh_token === `refresh-${world.portalId}`).times(10).reply(() => {
      refreshes += 1;
      return [400, { error: 'invalid_grant', error_description: 'refresh token is revoked' }];
    });
    const hubspot = batchUpdateEndpoint(world.accessToken, () => 'ok');

    await world.drain();
    expect(refreshes).toBe(1);
    expect(hubspot.received).toHaveLength(0);
    expect(await findPortal(world.db, world.portalId)).toMatchObject({ installState: 'uninstalled' });
    expect((await world.jobs()).map(({ state, attempts, last_error }) => ({ state, attempts, last_error }))).toEqual([1, 2, 3].map(() => ({ state: 'dead', attempts: 1, last_error: 'the portal uninstalled the app' })));
    expect(await world.db('incidents').where({ portal_id: world.portalId, kind: 'dead_sync_deal' }).count()).toEqual([{ count: '3' }]);

    // A later change for the uninstalled portal is parked too, without another refresh or CRM call.
    await world.enqueueSyncs(1);
    world.later(3600);
    await world.drain();
    expect(refreshes).toBe(1);
    expect(hubspot.received).toHaveLength(0);
    expect((await world.jobs()).map((job) => job.state)).toEqual(['dead', 'dead', 'dead', 'dead']);
  });

  it('a job that keeps failing is parked as dead with an incident and shows in /metrics', async () => {
    const { db } = database();
    const world = await installedWorld({ maxAttempts: 3, onOutcome: (kind, outcome) => metrics.jobOutcomes.inc({ kind, outcome }) });
    const metrics = createMetrics(db, { defaultMetrics: false, clock: world.clock.now });
    const [dealId] = await world.enqueueSyncs(1);
    const hubspot = batchUpdateEndpoint(world.accessToken, () => [500, { status: 'error', message: 'internal error', category: 'INTERNAL_ERROR' }]);

    for (let round = 0; round < 5; round++) {
      await world.drain();
      world.later(3600);
    }

    expect(hubspot.sent(dealId!)).toBe(3);
    expect(await world.jobs()).toEqual([expect.objectContaining({ state: 'dead', attempts: 3 })]);
    const incident = await db('incidents').where({ portal_id: world.portalId, kind: 'dead_sync_deal' }).first<{ deal_id: string; summary: string } | undefined>();
    expect(incident).toMatchObject({ deal_id: dealId, summary: expect.stringMatching(/parked as dead: gave up after 3 attempts: HubSpot deal batch update failed: HTTP 500 INTERNAL_ERROR/) });

    const { app } = buildTestApp(db, { metrics });
    const text = (await request(app).get('/metrics').expect(200)).text;
    const dead = Number((await db('jobs').where({ kind: 'sync_deal', state: 'dead' }).count<{ count: string }[]>('* as count'))[0]!.count);
    expect(dead).toBeGreaterThanOrEqual(1);
    expect(text).toContain(`approval_router_jobs{kind="sync_deal",state="dead"} ${dead}`);
    expect(text).toContain('approval_router_job_outcomes_total{kind="sync_deal",outcome="dead"} 1');
    expect(text).toContain('approval_router_job_outcomes_total{kind="sync_deal",outcome="retry"} 2');
  });
});
