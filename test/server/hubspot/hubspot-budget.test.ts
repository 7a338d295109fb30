// One HubSpot budget per portal for every caller, on the real HubSpotCrm and @hubspot/api-client answered by nock,
// shared through Postgres by budgets that stand for separate processes. The clock is a test clock: the one the
// budget refills, blocks and counts days by.
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createClientFactory } from '../../../server/hubspot/hubspot-client.js';
import { HubSpotBudget, HubSpotBudgetError, type BudgetLimits } from '../../../server/hubspot/hubspot-budget.js';
import { HubSpotCrm } from '../../../server/hubspot/hubspot-crm.js';
import type { HubSpotApp } from '../../../server/hubspot/oauth.js';
import { TokenCipher } from '../../../server/hubspot/token-crypto.js';
import { TokenStore } from '../../../server/hubspot/token-store.js';
import { connectCrms } from '../../../server/main.js';
import { createMetrics } from '../../../server/metrics.js';
import { buildTestApp, callApi, createClock } from '../../support/app.js';
import { useTestDatabase } from '../../support/db.js';
import { seedPortal } from '../../support/factories.js';
import { CLIENT_ID, CLIENT_SECRET, closeNetwork, dealAnswer, HUBSPOT_API, hubspotConfig, KEYS } from '../../support/hubspot.js';
import { createTestLogger } from '../../support/logger.js';

const database = useTestDatabase();
const oauthApp: HubSpotApp = { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUri: 'https://approvals.example.com/oauth/callback', scopes: ['oauth'] };

beforeAll(closeNetwork);
afterEach(() => { nock.cleanAll(); });
afterAll(() => { nock.enableNetConnect(); });

const RATE_LIMITED = { status: 'error', message: 'You have reached your ten_secondly_rolling limit.', errorType: 'RATE_LIMIT', policyName: 'TEN_SECONDLY_ROLLING', correlationId: 'c-1' };

/**
 * An installed portal and, per "process", a budget and the interactive and background CRMs over it; HubSpot's deal
 * endpoint answers `answer(n)` to its n-th call and counts them.
 */
async function world(limits: BudgetLimits, options: { processes?: number; answer?: (call: number) => [number, unknown, Record<string, string>?] } = {}) {
  const { db } = database();
  const portal = await seedPortal(db);
  const portalId = portal.portalId;
  const tokens = new TokenStore({ db, cipher: TokenCipher.fromSpec(KEYS.current), app: oauthApp, now: () => new Date() });
  await tokens.save(db, portalId, { accessToken: `access-${portalId}`, refreshToken: `refresh-${portalId}`, expiresInSeconds: 1800 }, { scopes: ['oauth'], hubDomain: 'acme.hubspot.com' });
  const clock = createClock('2026-11-27T15:00:00.000Z');
  const metrics = createMetrics(db, { defaultMetrics: false, clock: clock.now });
  let calls = 0;
  nock(HUBSPOT_API, { reqheaders: { authorization: `Bearer access-${portalId}` } }).persist()
    .get(/\/crm\/v3\/objects\/deals\/\d+/).query(true)
    .reply(() => {
      calls += 1;
      const [status, body, headers] = options.answer?.(calls) ?? [200, dealAnswer('9001', { amount: '100' })];
      return [status, body as Record<string, unknown>, { 'Content-Type': 'application/json', ...headers }];
    });
  const processes = Array.from({ length: options.processes ?? 1 }, () => {
    const budget = new HubSpotBudget({ db, limits, now: clock.now });
    const crm = (caller: 'interactive' | 'background') => new HubSpotCrm({ clientFor: createClientFactory(tokens), budget: { gate: budget, caller }, metrics, now: clock.now });
    return { interactive: crm('interactive'), background: crm('background') };
  });
  const read = (crm: HubSpotCrm) => crm.getDeal(portalId, '9001', ['amount']).then(() => 'ok' as const, (error: unknown) => {
    if (error instanceof HubSpotBudgetError) return error;
    throw error;
  });
  return { db, portal, portalId, clock, metrics, processes, read, calls: () => calls };
}

describe('one HubSpot budget per portal (real api-client on nock)', () => {
  it('background work leaves the last calls of the window to interactive callers, who then wait like anyone', async () => {
    const w = await world({ perTenSeconds: 5, interactiveReserve: 2, daily: 1000 });
    const [{ interactive, background }] = w.processes as [typeof w.processes[0]];

    const backgroundReads = [await w.read(background), await w.read(background), await w.read(background), await w.read(background)];
    expect(backgroundReads.slice(0, 3)).toEqual(['ok', 'ok', 'ok']);
    expect(backgroundReads[3]).toBeInstanceOf(HubSpotBudgetError);
    expect(backgroundReads[3]).toMatchObject({ reason: 'rate', retryAfterSeconds: 2, countsAsAttempt: false, status: 503 });
    expect((backgroundReads[3] as Error).message).toBe(`HubSpot is not called for portal ${w.portalId} for 2 s: the portal's budget of 5 HubSpot calls per 10 s is spent for the moment (background work leaves the last 2 for card views and actions)`);

    // The reserve is the card's: a person still gets the last two calls, and is refused only after them.
    expect([await w.read(interactive), await w.read(interactive)]).toEqual(['ok', 'ok']);
    expect(await w.read(interactive)).toMatchObject({ reason: 'rate', retryAfterSeconds: 2 });
    expect(w.calls()).toBe(5);

    // Two seconds refill one call (5 per 10 s): a person may take it, background work may not.
    w.clock.set('2026-11-27T15:00:02.000Z');
    expect(await w.read(background)).toBeInstanceOf(HubSpotBudgetError);
    expect(await w.read(interactive)).toBe('ok');
    expect(w.calls()).toBe(6);
  });

  it('processes share it through Postgres: 40 reads at once from two processes make exactly the window\'s 10 calls', async () => {
    const w = await world({ perTenSeconds: 10, interactiveReserve: 0, daily: 1000 }, { processes: 2 });
    const outcomes = await Promise.all(Array.from({ length: 40 }, (_, i) => w.read(w.processes[i % 2]!.background)));
    expect(outcomes.filter((outcome) => outcome === 'ok')).toHaveLength(10);
    expect(w.calls()).toBe(10);
    expect(await w.db('portal_budgets').where({ portal_id: w.portalId }).first('day_calls')).toEqual({ day_calls: 10 });
  });

  it('a 429 blocks the portal for every caller of every process for the time HubSpot names', async () => {
    const w = await world({ perTenSeconds: 110, interactiveReserve: 10, daily: 250_000 }, {
      processes: 2, answer: (call) => (call === 1 ? [429, RATE_LIMITED, { 'Retry-After': '4' }] : [200, dealAnswer('9001', { amount: '100' })]),
    });
    const [first, second] = w.processes as [typeof w.processes[0], typeof w.processes[0]];

    const refused = await w.read(first.background);
    expect(refused).toMatchObject({ reason: 'rate_limited', retryAfterSeconds: 4, countsAsAttempt: false });
    expect((refused as HubSpotBudgetError).until).toEqual(new Date('2026-11-27T15:00:04.000Z'));
    // The other process's card view does not call HubSpot while the block lasts.
    expect(await w.read(second.interactive)).toMatchObject({ reason: 'rate_limited', until: new Date('2026-11-27T15:00:04.000Z') });
    w.clock.set('2026-11-27T15:00:03.900Z');
    expect(await w.read(first.interactive)).toBeInstanceOf(HubSpotBudgetError);
    expect(w.calls()).toBe(1);

    w.clock.set('2026-11-27T15:00:04.000Z');
    expect(await w.read(second.interactive)).toBe('ok');
    expect(w.calls()).toBe(2);
  });

  it('a card view meets a block a job\'s call earned: 503 with Retry-After, and nothing reaches HubSpot', async () => {
    const w = await world({ perTenSeconds: 110, interactiveReserve: 10, daily: 250_000 }, {
      answer: (call) => (call === 1 ? [429, RATE_LIMITED, { 'Retry-After': '30' }] : [200, dealAnswer('9001', { amount: '100' })]),
    });
    const [{ interactive, background }] = w.processes as [typeof w.processes[0]];
    expect(await w.read(background)).toMatchObject({ reason: 'rate_limited' });

    const { app } = buildTestApp(w.db, { now: w.clock.now, crmFor: () => interactive });
    const res = await callApi(app, w.clock, w.portal.as('noah'), 'GET', '/api/v1/deals/9001/card').expect(503);
    expect(res.headers['retry-after']).toBe('30');
    expect(w.calls()).toBe(1);
  });

  it('the daily budget turns at the portal\'s own midnight, in the time zone HubSpot named for the account', async () => {
    const w = await world({ perTenSeconds: 110, interactiveReserve: 0, daily: 2 });
    await w.db('hubspot_tokens').where({ portal_id: w.portalId }).update({ time_zone: 'America/New_York' });
    const [{ background }] = w.processes as [typeof w.processes[0]];

    expect([await w.read(background), await w.read(background)]).toEqual(['ok', 'ok']);
    const spent = await w.read(background);
    // 15:00 UTC is 10:00 in New York: its day ends at 05:00 UTC (EST, UTC-5, in November).
    expect(spent).toMatchObject({ reason: 'daily', until: new Date('2026-11-28T05:00:00.000Z') });
    expect((spent as Error).message).toBe(`HubSpot is not called for portal ${w.portalId} until 2026-11-28T05:00:00.000Z: the portal's daily budget of 2 HubSpot calls is spent; its day ends at midnight America/New_York`);

    w.clock.set('2026-11-28T04:59:59.000Z'); // past midnight UTC, still the 27th in New York
    expect(await w.read(background)).toMatchObject({ reason: 'daily' });
    w.clock.set('2026-11-28T05:00:01.000Z');
    expect(await w.read(background)).toBe('ok');
    expect(w.calls()).toBe(3);
  });

  it('counts every call and every refusal by portal, caller kind, operation and outcome', async () => {
    const w = await world({ perTenSeconds: 4, interactiveReserve: 1, daily: 1000 }, {
      answer: (call) => (call === 5 ? [429, RATE_LIMITED, { 'Retry-After': '1' }] : [200, dealAnswer('9001', { amount: '100' })]),
    });
    const [{ interactive, background }] = w.processes as [typeof w.processes[0]];
    for (let i = 0; i < 4; i++) await w.read(background); // 3 calls, then refused
    await w.read(interactive); // the reserved call
    w.clock.set('2026-11-27T15:00:10.000Z');
    await w.read(interactive); // HubSpot answers 429

    const text = await w.metrics.registry.metrics();
    const line = (caller: string, outcome: string, count: number) =>
      `approval_router_hubspot_calls_total{portal="${w.portalId}",caller="${caller}",operation="deal_read",outcome="${outcome}"} ${count}`;
    expect(text).toContain(line('background', 'ok', 3));
    expect(text).toContain(line('background', 'refused', 1));
    expect(text).toContain(line('interactive', 'ok', 1));
    expect(text).toContain(line('interactive', 'rate_limited', 1));
  });

  it('the service wires it: the HTTP app\'s CRM spends as interactive, the workers\' as background, on one row', async () => {
    const { db } = database();
    const portal = await seedPortal(db);
    const clock = createClock('2026-11-27T15:00:00.000Z');
    const metrics = createMetrics(db, { defaultMetrics: false, clock: clock.now });
    const { hubspot, crmFor } = connectCrms({ db, config: hubspotConfig(), logger: createTestLogger().logger, metrics, now: clock.now });
    if (!hubspot.configured) throw new Error('configured in this test');
    await hubspot.connection.tokens.save(db, portal.portalId, { accessToken: `access-${portal.portalId}`, refreshToken: 'r', expiresInSeconds: 1800 }, { scopes: ['oauth'], hubDomain: 'acme.hubspot.com' });
    nock(HUBSPOT_API, { reqheaders: { authorization: `Bearer access-${portal.portalId}` } })
      .get('/crm/v3/objects/deals/9001').query(true).times(2).reply(200, dealAnswer('9001', { amount: '100' }));
    const installed = { id: portal.portalId, installState: 'installed' } as Parameters<ReturnType<typeof crmFor>>[0];

    await crmFor('interactive')(installed).getDeal(portal.portalId, '9001', ['amount']);
    await crmFor('background')(installed).getDeal(portal.portalId, '9001', ['amount']);

    const text = await metrics.registry.metrics();
    for (const caller of ['interactive', 'background']) {
      expect(text).toContain(`approval_router_hubspot_calls_total{portal="${portal.portalId}",caller="${caller}",operation="deal_read",outcome="ok"} 1`);
    }
    expect(await db('portal_budgets').where({ portal_id: portal.portalId }).first('day_calls')).toEqual({ day_calls: 2 });
  });
});
