import { describe, expect, it } from 'vitest';
import { buildTestApp, callApi } from '../support/app.js';
import { useTestDatabase } from '../support/db.js';
import { idempotencyKey, seedDeal, seedPortal } from '../support/factories.js';

const database = useTestDatabase();

describe('tenant isolation', () => {
  it('a request signed for portal B can neither see nor act on portal A\'s data, even with the same deal id', async () => {
    const { db } = database();
    const portalA = await seedPortal(db);
    const portalB = await seedPortal(db);
    const { app, clock } = buildTestApp(db);
    await seedDeal(portalA, { discount_percent: '25', dealname: 'A secret deal' }, '777');
    await seedDeal(portalB, { discount_percent: '0', dealname: 'B deal' }, '777');

    const opened = await callApi(app, clock, portalA.as('noah'), 'POST', '/api/v1/deals/777/requests', { justification: 'A', idempotencyKey: idempotencyKey() }).expect(201);
    const requestId = opened.body.request.id as string;

    const viewB = await callApi(app, clock, portalB.as('noah'), 'GET', '/api/v1/deals/777/card').expect(200);
    expect(viewB.body.dealName).toBe('B deal');
    expect(viewB.body.request).toBeNull();
    expect(JSON.stringify(viewB.body)).not.toContain('A secret deal');

    await callApi(app, clock, portalB.as('ben'), 'POST', `/api/v1/requests/${requestId}/decisions`, { verdict: 'approve', idempotencyKey: idempotencyKey() }).expect(404);
    await callApi(app, clock, portalB.as('noah'), 'POST', `/api/v1/requests/${requestId}/withdraw`, { idempotencyKey: idempotencyKey() }).expect(404);
    expect((await callApi(app, clock, portalB.as('ben'), 'GET', '/api/v1/inbox').expect(200)).body.items).toEqual([]);
    expect((await callApi(app, clock, portalA.as('ben'), 'GET', '/api/v1/inbox').expect(200)).body.items).toHaveLength(1);
    expect(await db('approval_requests').where({ id: requestId }).first()).toMatchObject({ state: 'pending', row_version: 1 });
  });

  it('the same idempotency key in two portals is two different actions', async () => {
    const { db } = database();
    const portalA = await seedPortal(db);
    const portalB = await seedPortal(db);
    const { app, clock } = buildTestApp(db);
    await seedDeal(portalA, { discount_percent: '25' }, '778');
    await seedDeal(portalB, { discount_percent: '25' }, '778');
    const key = idempotencyKey();
    const a = await callApi(app, clock, portalA.as('noah'), 'POST', '/api/v1/deals/778/requests', { justification: 'x', idempotencyKey: key }).expect(201);
    const b = await callApi(app, clock, portalB.as('noah'), 'POST', '/api/v1/deals/778/requests', { justification: 'x', idempotencyKey: key }).expect(201);
    expect(a.body.request.id).not.toBe(b.body.request.id);
  });

  it('an unknown portal gets 404', async () => {
    const { db } = database();
    const { app, clock } = buildTestApp(db);
    await callApi(app, clock, { portalId: '999999999', userId: '1', email: 'x@y.example' }, 'GET', '/api/v1/inbox').expect(404);
  });
});
