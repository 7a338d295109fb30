// The scorecard's known story, shared by the scorecard's tests and its check in a browser.
import { expect } from 'vitest';
import type { Db } from '../../server/db/database.js';
import { buildTestApp, callApi } from './app.js';
import { idempotencyKey, seedDeal, seedPortal } from './factories.js';

/**
 * A known story through the real card API on the sales policy (Noah's deals route to ben or bella, 24 h SLA):
 *   A requested 27 Nov 09:00, approved by ben 2 h later;
 *   B requested 11:00, rejected by bella 4 h later;
 *   C requested 15:00, approved by ben 30 h later (6 h past its due time);
 *   D requested 28 Nov 21:00, approved by ben 1 h later, invalidated at 22:30 when the discount rose,
 *     requested again at 23:00 and still waiting (due 29 Nov 23:00).
 */
export async function tellScorecardStory(db: Db) {
  const portal = await seedPortal(db);
  // The demo endpoints change a deal the way a HubSpot edit does; they serve demo portals only.
  await db('portals').where({ id: portal.portalId }).update({ install_state: 'demo' });
  const { app, clock } = buildTestApp(db);
  const call = (who: string, method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown) => callApi(app, clock, portal.as(who), method, path, body);
  const ask = async (dealId: string) => (await call('noah', 'POST', `/api/v1/deals/${dealId}/requests`, { justification: 'competitive', idempotencyKey: idempotencyKey() }).expect(201)).body.request.id as string;
  const decide = (who: string, requestId: string, verdict: 'approve' | 'reject') =>
    call(who, 'POST', `/api/v1/requests/${requestId}/decisions`, { verdict, comment: verdict === 'reject' ? 'too deep' : 'ok', idempotencyKey: idempotencyKey() }).expect(200);

  const a = await seedDeal(portal, { discount_percent: '25' });
  const b = await seedDeal(portal, { discount_percent: '25' });
  const c = await seedDeal(portal, { discount_percent: '25' });
  const d = await seedDeal(portal, { discount_percent: '25' });
  const requestA = await ask(a);
  clock.advanceHours(2);
  await decide('ben', requestA, 'approve');
  const requestB = await ask(b);
  clock.advanceHours(4);
  await decide('bella', requestB, 'reject');
  const requestC = await ask(c);
  clock.advanceHours(30);
  await decide('ben', requestC, 'approve');
  const requestD1 = await ask(d);
  clock.advanceHours(1);
  await decide('ben', requestD1, 'approve');
  clock.advanceHours(0.5);
  const changed = await call('noah', 'POST', `/api/v1/demo/deals/${d}/properties`, { properties: { discount_percent: '35' } }).expect(200);
  expect(changed.body.outcome).toMatchObject({ kind: 'assessed', invalidated: true });
  clock.advanceHours(0.5);
  const requestD2 = await ask(d);
  return { db, portal, clock, call, ask, decide, ids: { a, c, d, requestC, requestD1, requestD2 } };
}
