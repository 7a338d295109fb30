import { describe, expect, it } from 'vitest';
import { findRequest, saveTransition } from '../../server/store/requests.js';
import { verifyChain } from '../../server/store/traces.js';
import { withdraw } from '../../src/lifecycle/close.js';
import { buildTestApp, callApi, type Caller } from '../support/app.js';
import { useTestDatabase } from '../support/db.js';
import { crowdPolicy, idempotencyKey, seedDeal, seedPortal } from '../support/factories.js';

const database = useTestDatabase();

async function crowd(mode: 'any' | 'all' | 'quorum', quorum?: number) {
  const { db } = database();
  const { source, users } = crowdPolicy(50, mode, quorum);
  const portal = await seedPortal(db, { policySource: source, users });
  const { app, clock } = buildTestApp(db);
  const dealId = await seedDeal(portal, { hubspot_owner_id: '900' });
  const rep: Caller = { portalId: portal.portalId, userId: '9000', email: 'rep@crowd.example' };
  const opened = await callApi(app, clock, rep, 'POST', `/api/v1/deals/${dealId}/requests`, { justification: 'crowd', idempotencyKey: idempotencyKey() }).expect(201);
  const requestId = opened.body.request.id as string;
  const approvers: Caller[] = users.slice(1).map((user) => ({ portalId: portal.portalId, userId: user.userId!, email: user.email }));
  const statuses = await Promise.all(approvers.map(async (approver) =>
    (await callApi(app, clock, approver, 'POST', `/api/v1/requests/${requestId}/decisions`, { verdict: 'approve', idempotencyKey: idempotencyKey() })).status));
  const request = await db('approval_requests').where({ id: requestId }).first();
  const decisions = Number((await db('decisions').where({ request_id: requestId }).count())[0]?.count);
  const stateChanges = (await db('traces').where({ request_id: requestId, kind: 'decision' }).pluck('output') as string[])
    .filter((output) => output.includes('"request_approved"')).length;
  return { db, portal, statuses, request, decisions, stateChanges };
}

const count = (statuses: number[], status: number) => statuses.filter((s) => s === status).length;

describe('fifty approvers deciding the same step at once', () => {
  it('mode any: exactly one decision counts, the others get 409, one state change', async () => {
    const { db, portal, statuses, request, decisions, stateChanges } = await crowd('any');
    expect(count(statuses, 200)).toBe(1);
    expect(count(statuses, 409)).toBe(49);
    expect(request).toMatchObject({ state: 'approved', row_version: 2 });
    expect(decisions).toBe(1);
    expect(stateChanges).toBe(1);
    expect(await verifyChain(db, portal.portalId)).toMatchObject({ ok: true });
  });

  it('mode quorum 3: exactly three decisions count, then the request is approved once', async () => {
    const { statuses, request, decisions, stateChanges } = await crowd('quorum', 3);
    expect(count(statuses, 200)).toBe(3);
    expect(count(statuses, 409)).toBe(47);
    expect(request).toMatchObject({ state: 'approved', row_version: 4 });
    expect(decisions).toBe(3);
    expect(stateChanges).toBe(1);
  });

  it('mode all: every decision counts and the last approves', async () => {
    const { statuses, request, decisions, stateChanges } = await crowd('all');
    expect(count(statuses, 200)).toBe(50);
    expect(request).toMatchObject({ state: 'approved', row_version: 51 });
    expect(decisions).toBe(50);
    expect(stateChanges).toBe(1);
  });
});

describe('the same action sent twice at once (a retry racing the original)', () => {
  it('acts once and answers both with the same result', async () => {
    const { db } = database();
    const portal = await seedPortal(db);
    const { app, clock } = buildTestApp(db);
    const dealId = await seedDeal(portal, { discount_percent: '25' });
    const key = idempotencyKey();
    const [a, b] = await Promise.all([1, 2].map(() =>
      callApi(app, clock, portal.as('noah'), 'POST', `/api/v1/deals/${dealId}/requests`, { justification: 'same', idempotencyKey: key })));
    expect([a?.status, b?.status]).toEqual([201, 201]);
    expect(a?.body).toEqual(b?.body);
    expect(Number((await db('approval_requests').where({ deal_id: dealId }).count())[0]?.count)).toBe(1);
  });
});

describe('a decision sent several times at once with one key (retries racing the original)', () => {
  it('is applied once, and every call gets the same answer', async () => {
    const { db } = database();
    const { source, users } = crowdPolicy(3, 'all');
    const portal = await seedPortal(db, { policySource: source, users });
    const { app, clock } = buildTestApp(db);
    const dealId = await seedDeal(portal, { hubspot_owner_id: '900' });
    const rep: Caller = { portalId: portal.portalId, userId: '9000', email: 'rep@crowd.example' };
    const approver: Caller = { portalId: portal.portalId, userId: users[1]!.userId!, email: users[1]!.email };
    const opened = await callApi(app, clock, rep, 'POST', `/api/v1/deals/${dealId}/requests`, { justification: 'once', idempotencyKey: idempotencyKey() }).expect(201);
    const requestId = opened.body.request.id as string;
    const key = idempotencyKey();
    const answers = await Promise.all(Array.from({ length: 8 }, () =>
      callApi(app, clock, approver, 'POST', `/api/v1/requests/${requestId}/decisions`, { verdict: 'approve', idempotencyKey: key })));
    expect(answers.map((answer) => answer.status)).toEqual(Array<number>(8).fill(200));
    expect(new Set(answers.map((answer) => answer.text)).size).toBe(1);
    expect(answers.filter((answer) => answer.headers['idempotent-replayed'] === 'false')).toHaveLength(1);
    expect(await db('approval_requests').where({ id: requestId }).first()).toMatchObject({ state: 'pending', row_version: 2 });
    expect(await db('decisions').where({ request_id: requestId }).count()).toEqual([{ count: '1' }]);
    expect(await db('traces').where({ request_id: requestId, kind: 'decision' }).count()).toEqual([{ count: '1' }]);
    expect(await verifyChain(db, portal.portalId)).toMatchObject({ ok: true });
  });
});

describe('a transition saved at a version the request no longer has', () => {
  it('fails and writes nothing', async () => {
    const { db } = database();
    const portal = await seedPortal(db, {});
    const { app, clock } = buildTestApp(db);
    const dealId = await seedDeal(portal, { discount_percent: '25' });
    const rep: Caller = { portalId: portal.portalId, userId: portal.as('noah').userId, email: portal.as('noah').email };
    const opened = await callApi(app, clock, rep, 'POST', `/api/v1/deals/${dealId}/requests`, { justification: 'stale', idempotencyKey: idempotencyKey() }).expect(201);
    const stored = await findRequest(db, portal.portalId, opened.body.request.id as string);
    const stale = { ...stored!, rowVersion: stored!.rowVersion - 1 };
    const withdrawn = withdraw(stale.lifecycle, { by: rep.email, reason: null }, clock.now().toISOString());
    if (!withdrawn.ok) throw new Error('withdraw refused');
    const failure = await db.transaction((trx) => saveTransition(trx, stale, withdrawn.state, clock.now().toISOString()))
      .then(() => null, (error: unknown) => error);
    expect(String(failure)).toContain(`request ${stale.id} changed under its row lock`);
    expect(await db('approval_requests').where({ id: stale.id }).first()).toMatchObject({ state: 'pending', row_version: stored!.rowVersion });
    expect(await db('approval_steps').where({ request_id: stale.id }).pluck('status')).toEqual(['active']);
  });
});
