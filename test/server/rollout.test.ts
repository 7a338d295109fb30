import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { CardView } from '../../src/contract/card-api.js';
import { signRequest } from '../../server/http/sign-request.js';
import type { Policy } from '../../src/policy/schema.js';
import { evaluateRecordingErrors } from '../../server/use-cases/rollout/evaluation-errors.js';
import { applyPosture, assessPosture } from '../../server/use-cases/rollout/posture.js';
import { buildTestApp, callApi, TEST_BASE_URL, TEST_SECRET, type Caller, type TestClock } from '../support/app.js';
import { useTestDatabase } from '../support/db.js';
import { idempotencyKey, SALES_POLICY_SOURCE, seedDeal, seedPortal } from '../support/factories.js';

const database = useTestDatabase();

// The candidate gives a 20% discount fewer points (35 → 25) and sends NA's manager steps to the CRO: a 25% discount
// that the active policy routes to "standard" (score 35) lands on "light" (score 25) instead.
const CANDIDATE_SOURCE = SALES_POLICY_SOURCE
  .replace('{ from: 20, points: 35 }', '{ from: 20, points: 25 }')
  .replace('NA: [ben.carter@acme.example, bella.diaz@acme.example]', 'NA: [cro@acme.example]');

// A policy that routes nothing: its only step asks a team nobody is in.
const UNROUTABLE_SOURCE = `name: Procurement desk
scoring: { factors: [] }
routes:
  - id: procurement
    when: { always: true }
    steps: [ { id: procurement, approvers: { team: Procurement }, mode: any, slaHours: 24 } ]
`;

/** callApi signs GET, POST and PUT; dropping the candidate needs a signed DELETE. */
function callDelete(app: ReturnType<typeof buildTestApp>['app'], clock: TestClock, caller: Caller, path: string) {
  const target = `${path}?${new URLSearchParams({ portalId: caller.portalId, userId: caller.userId, userEmail: caller.email }).toString()}`;
  const signed = signRequest({ secret: TEST_SECRET, method: 'DELETE', url: `${TEST_BASE_URL}${target}`, timestampMs: clock.now().getTime() });
  const test = request(app).delete(target);
  for (const [name, value] of Object.entries(signed.headers)) test.set(name, value);
  return test;
}

async function setup() {
  const { db } = database();
  const portal = await seedPortal(db, { admins: ['dealdesk@acme.example'] });
  const { app, clock } = buildTestApp(db);
  const call = (who: string, method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown) => callApi(app, clock, portal.as(who), method, path, body);
  const remove = (who: string, path: string) => callDelete(app, clock, portal.as(who), path);
  const card = async (who: string, dealId: string) => CardView.parse((await call(who, 'GET', `/api/v1/deals/${dealId}/card`).expect(200)).body);
  // As a careful client writes: under a fresh idempotency key, against the active version it has just read.
  const activeVersion = async () => ((await call('dealdesk', 'GET', '/api/v1/admin/policy').expect(200)).body.active?.version ?? null) as number | null;
  const save = async (source: string) => (await call('dealdesk', 'POST', '/api/v1/admin/policy/versions', { source, idempotencyKey: idempotencyKey(), expectedActiveVersion: await activeVersion() }).expect(201)).body.version.version as number;
  const activate = async (version: number) => {
    const answer = await call('dealdesk', 'POST', `/api/v1/admin/policy/versions/${version}/activate`, { expectedActiveVersion: await activeVersion(), idempotencyKey: idempotencyKey() });
    expect(answer.status, answer.text).toBe(200);
  };
  const disagreements = () => db('policy_disagreements').where({ portal_id: portal.portalId }).orderBy('id').select('deal_id', 'kinds', 'source', 'seen', 'before', 'after');
  return { db, portal, app, clock, call, remove, card, save, activate, disagreements };
}

describe('a staged candidate', () => {
  it('runs in shadow on card views and requests, records each disagreement once, and is summarised', async () => {
    const { call, card, save, disagreements, portal } = await setup();
    const version = await save(CANDIDATE_SOURCE);
    await call('noah', 'POST', `/api/v1/admin/policy/versions/${version}/stage`, {}).expect(403);
    await call('dealdesk', 'POST', '/api/v1/admin/policy/versions/1/stage', {}).expect(409);
    await call('dealdesk', 'POST', '/api/v1/admin/policy/versions/9/stage', {}).expect(404);
    await call('dealdesk', 'GET', '/api/v1/admin/policy/candidate').expect(404);
    const staged = await call('dealdesk', 'POST', `/api/v1/admin/policy/versions/${version}/stage`, {}).expect(200);
    expect(staged.body).toMatchObject({ changed: true, candidate: { version: 2, stagedBy: 'dealdesk@acme.example' }, active: { version: 1 } });

    // A card view: the active policy still decides what the card shows; the candidate's view is recorded beside it.
    const differs = await seedDeal(portal, { discount_percent: '25' });
    const view = await card('noah', differs);
    expect(view.policy).toMatchObject({ version: 1, rolledBackFrom: null });
    expect(view.preview).toMatchObject({ routeId: 'standard' });
    expect(view.score?.value).toBe(35);
    await card('mia', differs); // seen again (another viewer, the same disagreement): counted, not duplicated
    const agrees = await seedDeal(portal, { discount_percent: '0' });
    await card('noah', agrees);
    expect(await disagreements()).toEqual([expect.objectContaining({
      deal_id: differs, kinds: ['route', 'approvers', 'score'], source: 'card', seen: 2,
      before: expect.objectContaining({ score: 35, routeId: 'standard', steps: [{ id: 'manager', approvers: ['ben.carter@acme.example', 'bella.diaz@acme.example'] }] }),
      after: expect.objectContaining({ score: 25, routeId: 'light', steps: [{ id: 'line-manager', approvers: ['ben.carter@acme.example'] }] }),
    })]);

    // A request: routed by the active policy, compared with the candidate.
    const requested = await seedDeal(portal, { discount_percent: '30', payment_terms: 'net_60' });
    const answer = await call('noah', 'POST', `/api/v1/deals/${requested}/requests`, { justification: 'Strategic logo', idempotencyKey: idempotencyKey() }).expect(201);
    expect(answer.body.request).toMatchObject({ routeId: 'standard', policyVersion: 1 });
    const recorded = await disagreements();
    expect(recorded.at(-1)).toMatchObject({ deal_id: requested, source: 'request', kinds: ['approvers'] });

    const summary = await call('dealdesk', 'GET', '/api/v1/admin/policy/candidate').expect(200);
    expect(summary.body).toMatchObject({
      candidate: { version: 2 }, active: { version: 1 }, evaluatedDeals: 3,
      disagreements: { total: 2, deals: 2, byKind: { route: 1, approvers: 2, score: 1, error: 0 } },
    });
    expect(summary.body.agreementRate).toBeCloseTo(1 / 3);
    expect(summary.body.examples.map((e: { dealId: string }) => e.dealId)).toEqual([requested, differs]);
    await call('noah', 'GET', '/api/v1/admin/policy/candidate').expect(403);
  });

  it('asks the CRM for the candidate\'s own properties too, so a new factor is not mistaken for a missing one', async () => {
    const { call, card, save, disagreements, portal } = await setup();
    const withRegion = SALES_POLICY_SOURCE.replace('    - id: legal', '    - id: region\n      property: sales_region\n      values: { emea: 0 }\n    - id: legal');
    await call('dealdesk', 'POST', `/api/v1/admin/policy/versions/${await save(withRegion)}/stage`, {}).expect(200);
    const dealId = await seedDeal(portal, { discount_percent: '25', sales_region: 'emea' });
    const view = await card('noah', dealId);
    expect(view.score?.factors.map((f) => f.id)).not.toContain('region');
    expect(await disagreements()).toEqual([]);
  });

  it('can be dropped, or promoted to active (refused when the active version moved)', async () => {
    const { call, remove, card, save, disagreements, portal } = await setup();
    const version = await save(CANDIDATE_SOURCE);
    await call('dealdesk', 'POST', `/api/v1/admin/policy/versions/${version}/stage`, {}).expect(200);
    await remove('noah', '/api/v1/admin/policy/candidate').expect(403);
    const dropped = await remove('dealdesk', '/api/v1/admin/policy/candidate').expect(200);
    expect(dropped.body).toEqual({ dropped: expect.objectContaining({ version: 2 }) });
    await remove('dealdesk', '/api/v1/admin/policy/candidate').expect(404);
    await call('dealdesk', 'GET', '/api/v1/admin/policy/candidate').expect(404);
    const dealId = await seedDeal(portal, { discount_percent: '25' });
    await card('noah', dealId);
    expect(await disagreements()).toEqual([]); // a dropped candidate runs no more

    await call('dealdesk', 'POST', `/api/v1/admin/policy/versions/${version}/stage`, {}).expect(200);
    await call('dealdesk', 'POST', '/api/v1/admin/policy/candidate/promote', { expectedActiveVersion: 7, idempotencyKey: idempotencyKey() }).expect(409);
    const promoted = await call('dealdesk', 'POST', '/api/v1/admin/policy/candidate/promote', { expectedActiveVersion: 1, idempotencyKey: idempotencyKey() }).expect(200);
    expect(promoted.body).toMatchObject({ active: { version: 2, activatedBy: 'dealdesk@acme.example' }, previous: { version: 1 } });
    await call('dealdesk', 'POST', '/api/v1/admin/policy/candidate/promote', { idempotencyKey: idempotencyKey() }).expect(404);
    await call('dealdesk', 'GET', '/api/v1/admin/policy/candidate').expect(404);
    const view = await card('noah', dealId);
    expect(view.policy).toMatchObject({ version: 2, rolledBackFrom: null });
    expect(view.preview).toMatchObject({ routeId: 'light' });
    const overview = await call('dealdesk', 'GET', '/api/v1/admin/policy').expect(200);
    expect(overview.body.active.version).toBe(2);
  });
});

describe('posture', () => {
  it('goes critical when the new version cannot route deals, rolls back to the last stable version with an incident, and the card says so', async () => {
    const { db, call, card, save, activate, portal, clock } = await setup();
    // The worker has seen version 1 healthy past its probation: it is the stable version to return to.
    expect((await applyPosture(db, portal.portalId, clock.now())).action).toEqual({ kind: 'marked_stable', version: 1 });

    const broken = await save(UNROUTABLE_SOURCE);
    await activate(broken);
    clock.advanceHours(0.1);
    const deals = [];
    for (let i = 0; i < 4; i++) deals.push(await seedDeal(portal, { discount_percent: String(i * 10) }));
    for (const dealId of deals) expect((await card('noah', dealId)).preview?.outcome).toBe('unroutable');
    // Four unroutable deals: degraded, not yet critical.
    const degraded = await call('dealdesk', 'GET', '/api/v1/admin/posture').expect(200);
    expect(degraded.body).toMatchObject({
      posture: 'degraded', active: { version: 2, stableAt: null, inProbation: true }, rollbackTarget: { version: 1 },
      signals: { evaluatedDeals: 4, unroutableDeals: 4, evaluationErrors: 0, syncDead: 0 },
    });
    expect((await applyPosture(db, portal.portalId, clock.now())).action).toEqual({ kind: 'none' });
    await card('noah', await seedDeal(portal));

    const critical = await call('dealdesk', 'GET', '/api/v1/admin/posture').expect(200);
    expect(critical.body).toMatchObject({ posture: 'critical', reasons: ['5 of 5 deals evaluated could not be routed'] });
    const applied = await applyPosture(db, portal.portalId, clock.now());
    expect(applied.action).toMatchObject({ kind: 'rolled_back', from: 2, to: 1 });

    const incidents = await db('incidents').where({ portal_id: portal.portalId }).select('kind', 'summary', 'packet');
    expect(incidents).toEqual([expect.objectContaining({
      kind: 'policy_rollback',
      summary: 'policy version 2 rolled back to version 1: 5 of 5 deals evaluated could not be routed',
      packet: expect.objectContaining({ from: expect.objectContaining({ version: 2 }), to: expect.objectContaining({ version: 1 }), posture: 'critical' }),
    })]);
    const trace = await db('traces').where({ portal_id: portal.portalId, kind: 'rollout' }).orderBy('seq', 'desc').first<{ input: string; output: string }>('input', 'output');
    expect(JSON.parse(trace.input)).toMatchObject({ command: 'rollback', by: 'posture', from: 2, to: 1 });

    // The card shows the version in force and why.
    const view = await card('noah', deals[0]!);
    expect(view.policy).toMatchObject({ version: 1, rolledBackFrom: { version: 2, at: clock.now().toISOString(), reason: expect.stringContaining('could not be routed') } });
    expect(view.notices).toContain(`policy version 1 is in force: version 2 was rolled back automatically at ${clock.now().toISOString()} (posture critical: 5 of 5 deals evaluated could not be routed)`);
    expect(view.preview?.outcome).not.toBe('unroutable');
    const overview = await call('dealdesk', 'GET', '/api/v1/admin/policy').expect(200);
    expect(overview.body.active).toMatchObject({ version: 1, activatedBy: 'posture:auto-rollback' });

    // Version 1 is judged afresh from its reactivation: healthy, and the worker does nothing more.
    clock.advanceHours(0.1);
    expect((await assessPosture(db, portal.portalId, clock.now())).posture).toBe('healthy');
    expect((await applyPosture(db, portal.portalId, clock.now())).action).toEqual({ kind: 'none' });
    expect(await db('incidents').where({ portal_id: portal.portalId }).count<{ count: string }[]>('* as count')).toEqual([{ count: '1' }]);

    // An admin activating again clears the card's rollback note.
    await activate(2);
    await activate(1);
    expect((await card('noah', deals[0]!)).policy).toMatchObject({ version: 1, rolledBackFrom: null });
  });

  it('counts failed deal syncs: degraded at one, critical and rolled back at five', async () => {
    const { db, call, save, activate, portal, clock } = await setup();
    await applyPosture(db, portal.portalId, clock.now());
    const next = await save(CANDIDATE_SOURCE);
    await activate(next);
    clock.advanceHours(0.25);
    const failSync = (i: number, state: 'dead' | 'queued') => db('jobs').insert({
      portal_id: portal.portalId, kind: 'sync_deal', key: `deal-${i}`, payload: JSON.stringify({ dealId: String(900 + i) }), state,
      attempts: state === 'dead' ? 8 : 3, last_error: 'HubSpot answered 400', created_at: clock.now(), run_at: clock.now(),
      finished_at: state === 'dead' ? clock.now() : null,
    });
    await failSync(0, 'dead');
    expect(await assessPosture(db, portal.portalId, clock.now())).toMatchObject({ posture: 'degraded', reasons: ['1 deal syncs failed (1 dead, 0 retrying)'] });
    for (let i = 1; i < 4; i++) await failSync(i, 'dead');
    await failSync(4, 'queued');
    const applied = await applyPosture(db, portal.portalId, clock.now());
    expect(applied.assessment.reasons).toEqual(['5 deal syncs failed (4 dead, 1 retrying)']);
    expect(applied.action).toMatchObject({ kind: 'rolled_back', from: 2, to: 1 });
    // Version 1 is judged only on what happens after its reactivation.
    clock.advanceHours(0.1);
    expect((await call('dealdesk', 'GET', '/api/v1/admin/posture').expect(200)).body).toMatchObject({ posture: 'healthy', active: { version: 1 } });
    await call('noah', 'GET', '/api/v1/admin/posture').expect(403);
  });

  it('counts evaluations that throw, recorded as they fail', async () => {
    const { db, portal, clock } = await setup();
    const active = await db('policy_versions').where({ portal_id: portal.portalId, is_active: true }).first<{ id: string }>('id');
    clock.advanceHours(0.01);
    const context = { portalId: portal.portalId, policyVersionId: String(active.id), dealId: '42', source: 'card' as const, at: clock.now().toISOString() };
    const broken = { deal: { id: '42', properties: {} }, policy: {} as Policy, directory: { users: [] } };
    await expect(evaluateRecordingErrors(db, context, broken)).rejects.toThrow();
    expect(await assessPosture(db, portal.portalId, clock.now())).toMatchObject({ posture: 'degraded', reasons: ['1 evaluation error'], signals: { evaluationErrors: 1 } });
  });

  it('never rolls back a version that proved stable: it records one incident for a human instead', async () => {
    const { db, portal, clock } = await setup();
    await applyPosture(db, portal.portalId, clock.now()); // version 1 is stable, and the only version
    for (let i = 0; i < 5; i++) {
      await db('jobs').insert({ portal_id: portal.portalId, kind: 'sync_deal', key: `d${i}`, payload: '{}', state: 'dead', attempts: 8, created_at: clock.now(), run_at: clock.now(), finished_at: clock.now() });
    }
    const first = await applyPosture(db, portal.portalId, clock.now());
    expect(first.assessment.posture).toBe('critical');
    expect(first.action).toMatchObject({ kind: 'incident', why: 'version 1 was proven stable, so it is not rolled back automatically' });
    expect((await applyPosture(db, portal.portalId, clock.now())).action).toEqual({ kind: 'none' });
    expect(await db('incidents').where({ portal_id: portal.portalId }).select('kind')).toEqual([{ kind: 'posture_critical' }]);
    expect((await db('policy_versions').where({ portal_id: portal.portalId, is_active: true }).first('version'))).toEqual({ version: 1 });
  });
});
