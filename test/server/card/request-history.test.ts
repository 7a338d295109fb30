// The deal's request history: every request with its steps, decisions and comments, newest first.
import { describe, expect, it } from 'vitest';
import { RequestHistory } from '../../../src/contract/request-history.js';
import { buildTestApp, callApi } from '../../support/app.js';
import { useTestDatabase } from '../../support/db.js';
import { idempotencyKey, seedDeal, seedPortal } from '../../support/factories.js';

const database = useTestDatabase();

describe('the request history', () => {
  it('lists every request of the deal newest first, with steps, decisions and comments', async () => {
    const { db } = database();
    const portal = await seedPortal(db);
    const { app, clock } = buildTestApp(db, { crmFor: () => portal.crm });
    const dealId = await seedDeal(portal, { discount_percent: '25', dealname: 'Initech renewal' });
    const otherDeal = await seedDeal(portal, { discount_percent: '25' });
    const ask = async (justification: string) => (await callApi(app, clock, portal.as('noah'), 'POST', `/api/v1/deals/${dealId}/requests`, { justification, idempotencyKey: idempotencyKey() }).expect(201)).body.request.id as string;

    const first = await ask('First try');
    clock.advanceHours(1);
    await callApi(app, clock, portal.as('noah'), 'POST', `/api/v1/requests/${first}/withdraw`, { reason: 'Wrong amount', idempotencyKey: idempotencyKey() }).expect(200);
    clock.advanceHours(1);
    const second = await ask('Second try');
    clock.advanceHours(1);
    await callApi(app, clock, portal.as('ben'), 'POST', `/api/v1/requests/${second}/decisions`, { verdict: 'reject', comment: 'Too deep a discount', idempotencyKey: idempotencyKey() }).expect(200);
    clock.advanceHours(1);
    const third = await ask('Third try');
    await callApi(app, clock, portal.as('noah'), 'POST', `/api/v1/deals/${otherDeal}/requests`, { justification: 'elsewhere', idempotencyKey: idempotencyKey() }).expect(201);

    const answer = await callApi(app, clock, portal.as('bella'), 'GET', `/api/v1/deals/${dealId}/requests`).expect(200);
    const history = RequestHistory.parse(answer.body);
    expect(history.more).toBe(false);
    expect(history.requests.map((request) => [request.id, request.state, request.justification])).toEqual([
      [third, 'pending', 'Third try'],
      [second, 'rejected', 'Second try'],
      [first, 'withdrawn', 'First try'],
    ]);
    expect(history.requests[1]!.steps[0]!.decisions).toEqual([
      { approver: 'ben.carter@acme.example', approverName: 'Ben Carter', onBehalfOf: null, verdict: 'reject', comment: 'Too deep a discount', decidedAt: '2026-11-27T12:00:00.000Z' },
    ]);
    expect(history.requests[2]!.outcomeNote).toBe('withdrawn by noah.king@acme.example: Wrong amount');
    expect(history.requests[2]!.steps[0]!.status).toBe('skipped');

    // The newest is the one the card shows, presented the same way.
    const card = await callApi(app, clock, portal.as('bella'), 'GET', `/api/v1/deals/${dealId}/card`).expect(200);
    expect(history.requests[0]).toEqual(card.body.request);
  });

  it('is empty for a deal without requests, and 404 where the app is not installed', async () => {
    const { db } = database();
    const portal = await seedPortal(db);
    const { app, clock } = buildTestApp(db, { crmFor: () => portal.crm });
    const dealId = await seedDeal(portal);
    const empty = await callApi(app, clock, portal.as('noah'), 'GET', `/api/v1/deals/${dealId}/requests`).expect(200);
    expect(empty.body).toEqual({ dealId, requests: [], more: false });
    await db('portals').where({ id: portal.portalId }).update({ install_state: 'uninstalled' });
    await callApi(app, clock, portal.as('noah'), 'GET', `/api/v1/deals/${dealId}/requests`).expect(404);
  });
});
