import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { JobWorker } from '../../server/jobs/worker.js';
import { assessPosture } from '../../server/use-cases/rollout/posture.js';
import { CardView } from '../../src/contract/card-api.js';
import { buildTestApp, callApi } from '../support/app.js';
import { budgetedCrm } from '../support/budgeted-crm.js';
import { useTestDatabase } from '../support/db.js';
import { idempotencyKey, seedDeal, seedPortal } from '../support/factories.js';
import { createTestLogger } from '../support/logger.js';

const database = useTestDatabase();

describe('a portal whose daily HubSpot budget is spent', () => {
  it('says so: one incident a day, a metric, an outbox lag that counts the waiting syncs, posture and the card', async () => {
    const { db } = database();
    const portal = await seedPortal(db);
    const { app, clock } = buildTestApp(db);
    clock.set('2026-11-27T15:00:00.000Z');
    // One HubSpot call a day: the first sync spends it.
    const crm = budgetedCrm(portal.crm, { db, now: clock.now, limits: { perTenSeconds: 100, interactiveReserve: 0, daily: 1 } });
    const worker = new JobWorker({ db, logger: createTestLogger().logger, crmFor: () => crm, now: clock.now }, { random: () => 0.5 });
    const approve = async () => {
      const dealId = await seedDeal(portal, { discount_percent: '25' });
      const opened = await callApi(app, clock, portal.as('noah'), 'POST', `/api/v1/deals/${dealId}/requests`, { justification: 'x', idempotencyKey: idempotencyKey() }).expect(201);
      await callApi(app, clock, portal.as('ben'), 'POST', `/api/v1/requests/${opened.body.request.id}/decisions`, { verdict: 'approve', idempotencyKey: idempotencyKey() }).expect(200);
      return dealId;
    };
    const incidents = () => db('incidents').where({ portal_id: portal.portalId, kind: 'sync_deferred' }).orderBy('id').select<{ summary: string; created_at: Date }[]>('summary', 'created_at');
    const metrics = async () => (await request(app).get('/metrics').expect(200)).text;

    await approve();
    await worker.runOnce(); // written: the day's one call
    const waiting = await approve();
    await worker.runOnce();
    clock.advanceHours(1);
    await approve();
    await worker.runOnce();
    await worker.runOnce();

    expect(await incidents()).toEqual([{ summary: 'HubSpot sync delayed until 2026-11-28T00:00:00.000Z: the portal\'s daily budget of 1 HubSpot calls is spent; its day ends at midnight UTC (HubSpot has not told its time zone)', created_at: new Date('2026-11-27T15:00:00.000Z') }]);
    const text = await metrics();
    expect(text).toContain(`approval_router_sync_deferred_until_seconds{portal="${portal.portalId}",reason="budget"} ${Date.parse('2026-11-28T00:00:00.000Z') / 1000}`);
    expect(text).toContain('approval_router_outbox_lag_seconds 3600'); // the sync queued at 15:00 still waits at 16:00
    const posture = await assessPosture(db, portal.portalId, clock.now());
    expect(posture).toMatchObject({ posture: 'degraded', reasons: ['HubSpot syncs are delayed until 2026-11-28T00:00:00.000Z: the portal\'s daily HubSpot budget is spent'] });
    const card = CardView.parse((await callApi(app, clock, portal.as('noah'), 'GET', `/api/v1/deals/${waiting}/card`).expect(200)).body);
    expect(card.notices).toContain('HubSpot sync delayed until 2026-11-28 00:00 UTC: the portal\'s daily HubSpot budget is spent; approvals are recorded here and reach the deal then');

    // The next day the syncs go out; when that day's budget is spent as well, that is the day's one incident.
    clock.set('2026-11-28T00:00:01.000Z');
    await worker.runOnce();
    await approve();
    await worker.runOnce();
    await worker.runOnce();
    expect((await incidents()).map((incident) => incident.summary)).toEqual([
      'HubSpot sync delayed until 2026-11-28T00:00:00.000Z: the portal\'s daily budget of 1 HubSpot calls is spent; its day ends at midnight UTC (HubSpot has not told its time zone)',
      'HubSpot sync delayed until 2026-11-29T00:00:00.000Z: the portal\'s daily budget of 1 HubSpot calls is spent; its day ends at midnight UTC (HubSpot has not told its time zone)',
    ]);
    clock.set('2026-11-29T00:00:01.000Z');
    await worker.runOnce();
    expect(await metrics()).not.toContain('approval_router_sync_deferred_until_seconds{');
    expect((await assessPosture(db, portal.portalId, clock.now())).posture).toBe('healthy');
    const after = CardView.parse((await callApi(app, clock, portal.as('noah'), 'GET', `/api/v1/deals/${waiting}/card`).expect(200)).body);
    expect(after.notices.filter((notice) => notice.startsWith('HubSpot sync delayed'))).toEqual([]);
  });
});
