// The deal cache behind card views, with the real HubSpotCrm and @hubspot/api-client against nock: a view whose
// freshness hint the kept copy meets makes no HubSpot call; a newer hint, no hint, or a copy missing a property reads
// live and refreshes the copy; webhooks keep copies warm; requests always read live.
import { Client } from '@hubspot/api-client';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HubSpotCrm } from '../../server/hubspot/hubspot-crm.js';
import { createMetrics } from '../../server/metrics.js';
import { findCachedDeal, saveCachedDeal } from '../../server/store/deal-cache.js';
import { buildTestApp, callApi, type TestClock } from '../support/app.js';
import { useTestDatabase } from '../support/db.js';
import { idempotencyKey, seedPortal, type SeededPortal } from '../support/factories.js';
import { closeNetwork, dealAnswer, HUBSPOT_API, ownerAnswer } from '../support/hubspot.js';
import { createTestLogger } from '../support/logger.js';
import { drainJobs, postWebhook, propertyChange } from './webhooks-harness.js';

const database = useTestDatabase();
const TOKEN = 'deal-cache-access-token';

beforeAll(closeNetwork);
afterEach(() => { nock.cleanAll(); });
afterAll(() => { nock.enableNetConnect(); });

const ms = (iso: string) => String(Date.parse(iso));
const V1 = '2026-11-20T10:00:00.000Z';
const V2 = '2026-11-26T15:30:00.250Z';

/** HubSpot for one portal: its owners, and deals whose properties and hs_lastmodifieddate the test changes. */
function serveHubSpot(portal: SeededPortal) {
  const deals = new Map<string, Record<string, string | null>>();
  const reads: string[] = [];
  nock(HUBSPOT_API, { reqheaders: { authorization: `Bearer ${TOKEN}` } }).persist()
    .get(/^\/crm\/v3\/objects\/deals\/\d+/).query(true)
    .reply((req: Request) => {
      const url = new URL(req.url);
      const id = url.pathname.split('/').pop()!;
      reads.push(id);
      const deal = deals.get(id);
      if (!deal) return [404, { status: 'error', message: 'Object not found', category: 'OBJECT_NOT_FOUND' }];
      const asked = url.searchParams.getAll('properties').flatMap((list) => list.split(','));
      return [200, dealAnswer(id, Object.fromEntries(asked.map((name) => [name, deal[name] ?? null])))];
    })
    .get('/crm/v3/owners/').query(true)
    .reply(() => [200, {
      results: portal.users.filter((user) => user.ownerId).map((user) => ownerAnswer({
        id: user.ownerId!, email: user.email, ...(user.userId ? { userId: Number(user.userId) } : {}),
        firstName: user.name ?? user.email, teams: user.teams.map((name, i) => ({ name, primary: i === 0 })),
      })),
    }]);
  const put = (id: string, modifiedAt: string, properties: Record<string, string> = {}) => {
    deals.set(id, {
      dealname: `Deal ${id}`, amount: '50000', discount_percent: '0', payment_terms: 'net_30', contract_term_months: '12',
      hubspot_owner_id: '102', pipeline: 'default', dealstage: 'qualifiedtobuy', ...deals.get(id), ...properties, hs_lastmodifieddate: modifiedAt,
    });
  };
  return { deals, reads, put };
}

async function world() {
  const { db } = database();
  const portal = await seedPortal(db);
  const hubspot = serveHubSpot(portal);
  // The CRM and the metrics read the test app's clock, built with it below.
  const crm = new HubSpotCrm({ clientFor: () => Promise.resolve(new Client({ accessToken: TOKEN })), now: () => built.clock.now() });
  const metrics = createMetrics(db, { defaultMetrics: false, clock: () => built.clock.now() });
  const built = buildTestApp(db, { crmFor: () => crm, metrics });
  const { logger } = createTestLogger();
  const deps = { db, logger, now: built.clock.now, crmFor: () => crm, secret: 'unused', baseUrl: 'unused' };
  const rep = portal.as('noah');
  const view = (clock: TestClock, dealId: string, hint?: string) =>
    callApi(built.app, clock, rep, 'GET', `/api/v1/deals/${dealId}/card${hint === undefined ? '' : `?dealModifiedAt=${hint}`}`);
  return { ...built, db, portal, hubspot, metrics, deps, rep, view };
}

describe('card views from the deal cache', () => {
  it('serves a view from the copy when it is at least as new as the hint, and reads live otherwise', async () => {
    const { clock, db, portal, hubspot, view, metrics } = await world();
    hubspot.put('801', V1);

    // No hint: live, and the read leaves a copy versioned by hs_lastmodifieddate.
    const live = await view(clock, '801').expect(200);
    expect(hubspot.reads).toEqual(['801']);
    expect(await findCachedDeal(db, portal.portalId, '801')).toMatchObject({ modifiedAtMs: Date.parse(V1), properties: { amount: '50000' } });
    expect((await findCachedDeal(db, portal.portalId, '801'))!.properties).not.toHaveProperty('hs_lastmodifieddate');

    // The hint the card sends for that version, or an older one: no HubSpot call, the same view.
    const cached = await view(clock, '801', ms(V1)).expect(200);
    await view(clock, '801', String(Date.parse(V1) - 1)).expect(200);
    expect(hubspot.reads).toEqual(['801']);
    expect(cached.body.score).toEqual(live.body.score);
    expect(cached.body.route).toEqual(live.body.route);

    // The deal changed in HubSpot: the card's newer hint reads live and refreshes the copy, which serves the next view.
    hubspot.put('801', V2, { amount: '900000' });
    const changed = await view(clock, '801', ms(V2)).expect(200);
    expect(hubspot.reads).toEqual(['801', '801']);
    expect(changed.body.score).not.toEqual(live.body.score);
    expect(await findCachedDeal(db, portal.portalId, '801')).toMatchObject({ modifiedAtMs: Date.parse(V2), properties: { amount: '900000' } });
    expect((await view(clock, '801', ms(V2)).expect(200)).body.score).toEqual(changed.body.score);
    expect(hubspot.reads).toEqual(['801', '801']);

    // Without a hint the view is live, always.
    await view(clock, '801').expect(200);
    expect(hubspot.reads).toHaveLength(3);
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/^approval_router_card_deal_reads_total\{source="cache"\} 3$/m);
    expect(text).toMatch(/^approval_router_card_deal_reads_total\{source="live"\} 3$/m);
  });

  it('reads live when the copy lacks a property the view reads, and answers 400 for a malformed hint', async () => {
    const { clock, db, portal, hubspot, view } = await world();
    hubspot.put('802', V1);
    await saveCachedDeal(db, portal.portalId, '802', { properties: { amount: '1' }, asked: ['amount'], modifiedAtMs: Date.parse(V2) }, clock.now().toISOString());
    await view(clock, '802', ms(V1)).expect(200);
    expect(hubspot.reads).toEqual(['802']);
    // The live read was older than the copy kept: the copy stays (a read finishing late never puts an older one back).
    expect(await findCachedDeal(db, portal.portalId, '802')).toMatchObject({ modifiedAtMs: Date.parse(V2), asked: ['amount'] });

    for (const hint of ['yesterday', '17', '2026-11-20T10:00:00Z']) {
      const refused = await view(clock, '802', encodeURIComponent(hint)).expect(400);
      expect(refused.body.error.details).toEqual([expect.objectContaining({ path: 'query.dealModifiedAt' })]);
    }
  });

  it('keeps copies warm from webhooks: a change reads the deal again, a creation reads it, a deletion drops it', async () => {
    const { app, clock, db, portal, hubspot, view, deps } = await world();
    hubspot.put('803', V1);
    hubspot.put('804', V1);
    await view(clock, '803').expect(200);
    expect(hubspot.reads).toEqual(['803']);

    // A change to a kept deal, and one to a deal nobody viewed (which costs no read).
    hubspot.put('803', V2, { amount: '120000' });
    hubspot.put('804', V2, { amount: '7' });
    await postWebhook(app, clock, [
      propertyChange(portal.portalId, '803', 'amount', '120000', clock.now()),
      propertyChange(portal.portalId, '804', 'amount', '7', clock.now()),
    ]).expect(200);
    await drainJobs(deps, portal.portalId);
    expect(hubspot.reads).toEqual(['803', '803']);
    expect(await findCachedDeal(db, portal.portalId, '803')).toMatchObject({ modifiedAtMs: Date.parse(V2), properties: { amount: '120000' } });
    expect(await findCachedDeal(db, portal.portalId, '804')).toBeNull();
    // The card, seeing the change, sends its new hint: the warm copy serves it.
    await view(clock, '803', ms(V2)).expect(200);
    expect(hubspot.reads).toHaveLength(2);

    // A new deal is read for what the active policy reads; its first view with a hint makes no call.
    hubspot.put('805', V1);
    const creation = { ...propertyChange(portal.portalId, '805', 'amount', '1', clock.now()), subscriptionType: 'deal.creation', propertyName: undefined, propertyValue: undefined };
    await postWebhook(app, clock, [creation]).expect(200);
    await drainJobs(deps, portal.portalId);
    expect(hubspot.reads).toEqual(['803', '803', '805']);
    await view(clock, '805', ms(V1)).expect(200);
    expect(hubspot.reads).toHaveLength(3);

    const deletion = { ...propertyChange(portal.portalId, '803', 'amount', '1', clock.now()), subscriptionType: 'deal.deletion', propertyName: undefined, propertyValue: undefined };
    hubspot.deals.delete('803');
    await postWebhook(app, clock, [deletion]).expect(200);
    await drainJobs(deps, portal.portalId);
    expect(await findCachedDeal(db, portal.portalId, '803')).toBeNull();
    expect(hubspot.reads).toHaveLength(3);
    await view(clock, '803', ms(V2)).expect(404);
  });

  it('never serves a request from the copy: requesting approval reads the deal live', async () => {
    const { app, clock, hubspot, view, rep } = await world();
    hubspot.put('806', V1);
    await view(clock, '806').expect(200);
    await view(clock, '806', ms(V1)).expect(200);
    expect(hubspot.reads).toEqual(['806']);
    await callApi(app, clock, rep, 'POST', '/api/v1/deals/806/requests', { justification: 'Strategic logo', idempotencyKey: idempotencyKey() }).expect(201);
    expect(hubspot.reads).toEqual(['806', '806']);
  });
});
