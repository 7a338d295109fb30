// Posture's history over HTTP against a real Postgres: every transition the worker's assessment makes is stored with
// its reasons, once, and a version posture rolled back for critical posture asks for a reason to be activated again.
import { describe, expect, it } from 'vitest';
import { CardView } from '../../src/contract/card-api.js';
import { GateStatus, PostureHistoryAnswer } from '../../src/contract/settings-api.js';
import { applyPosture } from '../../server/use-cases/rollout/posture.js';
import { buildTestApp, callApi, type ApiMethod } from '../support/app.js';
import { useTestDatabase } from '../support/db.js';
import { idempotencyKey, seedDeal, seedPortal } from '../support/factories.js';

const database = useTestDatabase();

// A policy that routes nothing: its only step asks a team nobody is in.
const UNROUTABLE_SOURCE = `name: Procurement desk
scoring: { factors: [] }
routes:
  - id: procurement
    when: { always: true }
    steps: [ { id: procurement, approvers: { team: Procurement }, mode: any, slaHours: 24 } ]
`;

describe('posture history', () => {
  it('stores every transition with its reasons, once, and the rolled-back version needs a reason to return', async () => {
    const { db } = database();
    const portal = await seedPortal(db, { admins: ['dealdesk@acme.example'] });
    const { app, clock } = buildTestApp(db);
    const call = (who: string, method: ApiMethod, path: string, body?: unknown) => callApi(app, clock, portal.as(who), method, path, body);
    const card = async (dealId: string) => CardView.parse((await call('noah', 'GET', `/api/v1/deals/${dealId}/card`).expect(200)).body);
    const history = async () => PostureHistoryAnswer.parse((await call('dealdesk', 'GET', '/api/v1/admin/posture/history').expect(200)).body).transitions;

    expect(await history()).toEqual([]);
    await applyPosture(db, portal.portalId, clock.now());
    await applyPosture(db, portal.portalId, clock.now()); // the same posture again: no new transition
    expect(await history()).toEqual([expect.objectContaining({ from: null, to: 'healthy', reasons: [], version: 1, at: clock.now().toISOString() })]);

    await call('dealdesk', 'POST', '/api/v1/admin/policy/versions', { source: UNROUTABLE_SOURCE, idempotencyKey: idempotencyKey(), expectedActiveVersion: 1 }).expect(201);
    await call('dealdesk', 'POST', '/api/v1/admin/policy/versions/2/activate', { expectedActiveVersion: 1, idempotencyKey: idempotencyKey() }).expect(200);
    clock.advanceHours(0.1);
    for (let i = 0; i < 4; i++) await card(await seedDeal(portal, { discount_percent: String(i * 10) }));
    await applyPosture(db, portal.portalId, clock.now());
    await card(await seedDeal(portal));
    clock.advanceHours(0.1);
    expect((await applyPosture(db, portal.portalId, clock.now())).action).toMatchObject({ kind: 'rolled_back', from: 2, to: 1 });

    const transitions = await history();
    expect(transitions.map((t) => [t.from, t.to, t.version])).toEqual([['degraded', 'critical', 2], ['healthy', 'degraded', 2], [null, 'healthy', 1]]);
    expect(transitions[0]!.reasons).toEqual(['5 of 5 deals evaluated could not be routed']);
    expect(transitions[1]!.reasons).toEqual([expect.stringContaining('could not be routed')]);
    expect((await call('dealdesk', 'GET', '/api/v1/admin/posture/history?limit=1').expect(200)).body.transitions).toHaveLength(1);
    await call('dealdesk', 'GET', '/api/v1/admin/posture/history?limit=0').expect(400);
    await call('noah', 'GET', '/api/v1/admin/posture/history').expect(403);

    const gate = GateStatus.parse((await call('dealdesk', 'GET', '/api/v1/admin/policy/versions/2/gate').expect(200)).body);
    expect(gate.steps.find((step) => step.id === 'reactivation')).toMatchObject({
      status: 'missing', message: expect.stringMatching(/^version 2 was rolled back for critical posture at .*: activating it again needs a reason$/),
    });
  });
});
