import { describe, expect, it } from 'vitest';
import { ErrorAnswer } from '../../src/contract/card-api.js';
import { ScorecardAnswer, ScorecardQuery } from '../../src/contract/scorecard.js';
import { renderScorecardHtml } from '../../server/report/render-html.js';
import { renderScorecardText } from '../../server/report/render-text.js';
import { decidedStepSamples } from '../../server/report/scorecard-figures.js';
import { listPeriodRequests } from '../../server/store/period-requests.js';
import { buildScorecard } from '../../server/use-cases/admin/scorecard.js';
import { buildTestApp, callApi } from '../support/app.js';
import { useTestDatabase } from '../support/db.js';
import { idempotencyKey, seedDeal, seedPortal } from '../support/factories.js';

const database = useTestDatabase();

/**
 * A known story through the real card API on the sales policy (Noah's deals route to ben or bella, 24 h SLA):
 *   A requested 27 Nov 09:00, approved by ben 2 h later;
 *   B requested 11:00, rejected by bella 4 h later;
 *   C requested 15:00, approved by ben 30 h later (6 h past its due time);
 *   D requested 28 Nov 21:00, approved by ben 1 h later, invalidated at 22:30 when the discount rose,
 *     requested again at 23:00 and still waiting (due 29 Nov 23:00).
 */
async function tellTheStory() {
  const { db } = database();
  const portal = await seedPortal(db);
  // The demo endpoints change a deal the way a HubSpot edit does; they serve demo portals only.
  await db('portals').where({ id: portal.portalId }).update({ install_state: 'demo' });
  const { app, clock } = buildTestApp(db);
  const call = (who: string, method: 'GET' | 'POST', path: string, body?: unknown) => callApi(app, clock, portal.as(who), method, path, body);
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
  return { db, portal, clock, ids: { a, c, d, requestC, requestD1, requestD2 } };
}

describe('the scorecard', () => {
  it('computes cycle times, rates, breaches, re-approvals and approver load for a known story', async () => {
    const { db, portal, ids } = await tellTheStory();
    const period = ScorecardQuery.parse({ from: '2026-11-27', to: '2026-12-01' });
    const card = ScorecardAnswer.parse(await buildScorecard(db, portal.portalId, period, new Date('2026-12-02T00:00:00Z')));

    expect(card.period).toEqual({ from: '2026-11-27T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z' });
    expect(card.totals).toEqual({ opened: 5, approved: 2, rejected: 1, autoApproved: 0, withdrawn: 0, invalidated: 1, pendingAtEnd: 1 });
    expect(card.rates).toEqual({ approval: 0.667, rejection: 0.333 });
    // Requests decided: A 2 h, B 4 h, C 30 h (D's first request ended invalidated). Nearest rank: p50 = 2nd of 3, p90 = 3rd.
    expect(card.cycle.overall).toEqual({ count: 3, p50: 4, p90: 30 });
    expect(card.cycle.byRoute).toEqual([{ routeId: 'standard', count: 3, p50: 4, p90: 30 }]);
    // Steps decided: 1, 2, 4, 30 h. p50 = 2nd of 4, p90 = 4th.
    expect(card.cycle.byStep).toEqual([{ routeId: 'standard', stepId: 'manager', count: 4, p50: 2, p90: 30, approved: 3, rejected: 1 }]);

    expect(card.sla.breaches).toBe(2);
    expect(card.sla.items).toEqual([
      expect.objectContaining({ requestId: ids.requestC, dealId: ids.c, kind: 'decided_late', dueAt: '2026-11-28T15:00:00.000Z', endedAt: '2026-11-28T21:00:00.000Z', hoursLate: 6, waitingOn: [] }),
      expect.objectContaining({ requestId: ids.requestD2, dealId: ids.d, kind: 'open_past_due', dueAt: '2026-11-29T23:00:00.000Z', endedAt: null, hoursLate: 25, waitingOn: ['ben.carter@acme.example', 'bella.diaz@acme.example'] }),
    ]);

    expect(card.reapprovals).toMatchObject({ invalidated: 1, reapproved: 1, byCause: [{ cause: 'discount_percent changed: score rose', count: 1 }] });
    expect(card.reapprovals.items).toEqual([{
      dealId: ids.d, invalidatedRequestId: ids.requestD1, invalidatedAt: '2026-11-28T22:30:00.000Z', cause: 'discount_percent changed: score rose',
      detail: 'discount_percent changed and the score rose from 35 to 50', newRequestId: ids.requestD2, newRequestedAt: '2026-11-28T23:00:00.000Z', newRouteId: 'standard', newState: 'pending',
      traceHash: expect.stringMatching(/^[0-9a-f]{64}$/),
    }]);
    // Every item's trace hash names a row listed with the card.
    for (const hash of [...card.sla.items, ...card.reapprovals.items].map((i) => i.traceHash)) {
      expect(card.traces.map((t) => t.hash)).toContain(hash);
    }

    expect(card.approvers).toEqual([
      { approver: 'ben.carter@acme.example', decisions: 3, approvals: 3, rejections: 0, pending: 1, responseHours: { count: 3, p50: 2, p90: 30 } },
      { approver: 'bella.diaz@acme.example', decisions: 1, approvals: 0, rejections: 1, pending: 1, responseHours: { count: 1, p50: 4, p90: 4 } },
    ]);
    expect(renderScorecardText(card)).toMatch(/discount_percent changed and the score rose from 35 to 50/);
  });

  it('reads the period as of its end: a narrower window sees only what happened inside it', async () => {
    const { db, portal } = await tellTheStory();
    const card = await buildScorecard(db, portal.portalId, ScorecardQuery.parse({ from: '2026-11-28T00:00:00Z', to: '2026-11-28T18:00:00Z' }), new Date('2026-12-02T00:00:00Z'));
    // Only C was open then (requested 27 Nov 15:00, due 28 Nov 15:00, decided 21:00): it counts as open past due at 18:00.
    expect(card.totals).toEqual({ opened: 0, approved: 0, rejected: 0, autoApproved: 0, withdrawn: 0, invalidated: 0, pendingAtEnd: 1 });
    expect(card.sla.items).toEqual([expect.objectContaining({ kind: 'open_past_due', hoursLate: 3, waitingOn: ['ben.carter@acme.example', 'bella.diaz@acme.example'] })]);
    expect(card.approvers.map((a) => [a.approver, a.decisions, a.pending])).toEqual([['bella.diaz@acme.example', 0, 1], ['ben.carter@acme.example', 0, 1]]);
  });

  it('writes the decided steps as history for simulate', async () => {
    const { db, portal } = await tellTheStory();
    const period = ScorecardQuery.parse({ from: '2026-11-27', to: '2026-12-01' });
    const samples = decidedStepSamples(period, await listPeriodRequests(db, portal.portalId, period));
    expect(samples.map((s) => s.hours).sort((x, y) => x - y)).toEqual([1, 2, 4, 30]);
    expect(samples.filter((s) => s.outcome === 'rejected')).toEqual([{ route: 'standard', step: 'manager', hours: 4, outcome: 'rejected', request: expect.any(String), slaHours: 24, requestState: 'rejected' }]);
  });
});

describe('GET /api/v1/scorecard', () => {
  it('answers an admin with the scorecard, and a non-admin with 403', async () => {
    const { db, portal, clock } = await tellTheStory();
    const { app } = buildTestApp(db, { now: clock.now });
    const ok = await callApi(app, clock, portal.as('dealdesk'), 'GET', '/api/v1/scorecard?from=2026-11-27&to=2026-12-01').expect(200);
    expect(ScorecardAnswer.parse(ok.body).totals.opened).toBe(5);
    const refused = await callApi(app, clock, portal.as('noah'), 'GET', '/api/v1/scorecard?from=2026-11-27&to=2026-12-01').expect(403);
    expect(ErrorAnswer.parse(refused.body).error.message).toMatch(/admins/);
  });

  it('answers 400 with the query paths of bad dates', async () => {
    const { db } = database();
    const portal = await seedPortal(db);
    const { app, clock } = buildTestApp(db);
    const get = (query: string) => callApi(app, clock, portal.as('dealdesk'), 'GET', `/api/v1/scorecard${query}`).expect(400);
    const bad = ErrorAnswer.parse((await get('?from=2026-13-01&to=next%20week')).body);
    expect(bad.error.details?.map((d) => d.path).sort()).toEqual(['query.from', 'query.to']);
    const backwards = ErrorAnswer.parse((await get('?from=2026-12-01&to=2026-11-01')).body);
    expect(backwards.error.details).toEqual([{ path: 'query.to', message: 'must be later than "from"' }]);
    const missing = ErrorAnswer.parse((await get('')).body);
    expect(missing.error.details?.map((d) => d.path).sort()).toEqual(['query.from', 'query.to']);
  });
});

describe('the HTML report', () => {
  it('is one self-contained page: inline SVG charts, nothing fetched at view time, text escaped', async () => {
    const { db, portal } = await tellTheStory();
    const card = await buildScorecard(db, portal.portalId, ScorecardQuery.parse({ from: '2026-11-27', to: '2026-12-01' }), new Date('2026-12-02T00:00:00Z'));
    const html = renderScorecardHtml(card, { portalName: 'Acme <EMEA> & co', generatedAt: '2026-12-01T08:00:00.000Z' });
    expect(html.match(/<svg[^>]*class="bars"/g)?.length).toBe(4);
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<(script|link|img|iframe|object)\b/i);
    expect(html).not.toMatch(/url\(|@import|src=/i);
    expect(html).toContain('Acme &lt;EMEA&gt; &amp; co');
    expect(html).toContain('discount_percent changed: score rose');
  });
});
