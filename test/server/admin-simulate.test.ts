// A draft through the portal's deals over HTTP against a real Postgres: what it would change, the deals it cannot
// route (each accepted with a reason, or not), and the promotion gate passing on that simulation alone.
import { describe, expect, it } from 'vitest';
import { ActivateAnswer, GateStatus, SimulationAnswer } from '../../src/contract/settings-api.js';
import { DEFAULT_ADMIN_SETTINGS } from '../../server/use-cases/admin/admin-settings.js';
import { buildTestApp, callApi, type ApiMethod } from '../support/app.js';
import { useTestDatabase } from '../support/db.js';
import { idempotencyKey, seedDeal, seedPortal } from '../support/factories.js';

const database = useTestDatabase();

/** Deals with a discount of 20 % or more go to a Procurement team nobody is in: the draft cannot route them. */
const DRAFT = `name: Procurement for big discounts
scoring:
  factors:
    - { id: discount, label: Discount, property: discount_percent, bands: [ { from: 20, points: 50 } ] }
routes:
  - id: procurement
    when: { score: { from: 50 } }
    steps: [ { id: procurement, approvers: { team: Procurement }, mode: any, slaHours: 24 } ]
  - id: auto
    when: { always: true }
    autoApprove: true
`;

async function setup() {
  const { db } = database();
  const portal = await seedPortal(db, { admins: ['dealdesk@acme.example'] });
  const { app, clock } = buildTestApp(db, { adminSettings: DEFAULT_ADMIN_SETTINGS });
  const call = (who: string, method: ApiMethod, path: string, body?: unknown) => callApi(app, clock, portal.as(who), method, path, body);
  const small = await seedDeal(portal, { discount_percent: '5', dealname: 'Small discount' });
  const big = await seedDeal(portal, { discount_percent: '25', dealname: 'Big discount' });
  const bigger = await seedDeal(portal, { discount_percent: '40', dealname: 'Bigger discount' });
  return { db, portal, clock, call, deals: { small, big, bigger } };
}

describe('simulating a draft', () => {
  it('reports what it changes against the active version and every deal it cannot route', async () => {
    const { call, deals } = await setup();
    const answer = SimulationAnswer.parse((await call('dealdesk', 'POST', '/api/v1/admin/policy/simulate', { source: DRAFT }).expect(200)).body);
    expect(answer).toMatchObject({
      policy: { name: 'Procurement for big discounts' }, baseline: { version: 1, name: 'Acme deal desk' }, ranBy: 'dealdesk@acme.example',
      window: { days: 90 }, deals: { simulated: 3, sources: { requests: 0, evaluations: 0, localCrm: 3 }, truncated: null },
      summary: { deals: 3, unroutable: 2, accepted: 0, truncated: null },
    });
    expect(answer.unroutableDeals.deals.map((deal) => [deal.dealId, deal.name, deal.stepId, deal.accepted]).sort()).toEqual([
      [deals.big, 'Big discount', 'procurement', null], [deals.bigger, 'Bigger discount', 'procurement', null],
    ].sort());
    expect(answer.result.candidate.unroutable).toEqual([expect.objectContaining({ stepId: 'procurement', deals: 2 })]);
    expect(answer.result.diff?.compared).toBe(3);

    const invalid = await call('dealdesk', 'POST', '/api/v1/admin/policy/simulate', { source: DRAFT.replace('team: Procurement', 'team: 7') }).expect(400);
    expect(invalid.body.error.details[0].path).toMatch(/^body\.source: routes\[0\]\.steps\[0\]\.approvers/);
    await call('noah', 'POST', '/api/v1/admin/policy/simulate', { source: DRAFT }).expect(403);
  });

  it('lets the gate pass once each unroutable deal is accepted with a reason: no override, no incident', async () => {
    const { db, portal, call, deals } = await setup();
    await call('dealdesk', 'POST', '/api/v1/admin/policy/simulate', { source: DRAFT }).expect(200);
    await call('dealdesk', 'POST', '/api/v1/admin/policy/versions', { source: DRAFT, idempotencyKey: idempotencyKey(), expectedActiveVersion: 1 }).expect(201);
    const open = GateStatus.parse((await call('dealdesk', 'GET', '/api/v1/admin/policy/versions/2/gate').expect(200)).body);
    expect(open.missing).toEqual(['routable']);
    expect(open.steps.find((step) => step.id === 'routable')?.message).toBe('2 deals could not be routed in the simulation: accept each with a reason, or change the policy');
    const refused = await call('dealdesk', 'POST', '/api/v1/admin/policy/versions/2/activate', { expectedActiveVersion: 1, idempotencyKey: idempotencyKey() }).expect(409);
    expect(refused.body.error.details.map((detail: { path: string }) => detail.path)).toEqual(['gate.routable']);

    const accept = [
      { dealId: deals.big, reason: 'procurement reviews it by hand this quarter' },
      { dealId: deals.small, reason: 'not needed' },
    ];
    const partly = SimulationAnswer.parse((await call('dealdesk', 'POST', '/api/v1/admin/policy/simulate', { source: DRAFT, accept }).expect(200)).body);
    expect(partly.summary).toMatchObject({ unroutable: 2, accepted: 1 });
    expect(partly.warnings).toEqual([`deal ${deals.small} was not accepted: the draft routes it, or it was not among the simulated deals`]);
    // Acceptances carry over to the next run of the same text.
    const all = SimulationAnswer.parse((await call('dealdesk', 'POST', '/api/v1/admin/policy/simulate', {
      source: DRAFT, accept: [{ dealId: deals.bigger, reason: 'a one-off' }],
    }).expect(200)).body);
    expect(all.summary).toMatchObject({ unroutable: 2, accepted: 2 });
    expect(all.unroutableDeals.deals.find((deal) => deal.dealId === deals.big)?.accepted).toMatchObject({ reason: 'procurement reviews it by hand this quarter', by: 'dealdesk@acme.example' });

    const activated = ActivateAnswer.parse((await call('dealdesk', 'POST', '/api/v1/admin/policy/versions/2/activate', { expectedActiveVersion: 1, idempotencyKey: idempotencyKey() }).expect(200)).body);
    expect(activated).toMatchObject({ changed: true, overridden: false, incidentId: null, gate: { passed: true, missing: [] } });
    expect(activated.gate?.steps.find((step) => step.id === 'simulated')?.evidence).toMatchObject({ summaryHash: all.summaryHash });
    expect(await db('incidents').where({ portal_id: portal.portalId }).count<{ count: string }[]>('* as count')).toEqual([{ count: '0' }]);
  });
});
