import { describe, expect, it } from 'vitest';
import { buildTestApp, callApi, type Caller } from '../support/app.js';
import { useTestDatabase } from '../support/db.js';
import { crowdPolicy, idempotencyKey, seedDeal, seedPortal } from '../support/factories.js';

const database = useTestDatabase();

/** A pending request on one step that all three approvers must approve. */
async function pendingAllOfThree() {
  const { db } = database();
  const { source, users } = crowdPolicy(3, 'all');
  const portal = await seedPortal(db, { policySource: source, users });
  const { app, clock } = buildTestApp(db);
  const dealId = await seedDeal(portal, { hubspot_owner_id: '900' });
  const rep: Caller = { portalId: portal.portalId, userId: '9000', email: 'rep@crowd.example' };
  const approvers: Caller[] = users.slice(1).map((user) => ({ portalId: portal.portalId, userId: user.userId!, email: user.email }));
  const call = (who: Caller, method: 'GET' | 'POST', path: string, body?: unknown) => callApi(app, clock, who, method, path, body);
  const opened = await call(rep, 'POST', `/api/v1/deals/${dealId}/requests`, { justification: 'three', idempotencyKey: idempotencyKey() }).expect(201);
  const requestId = opened.body.request.id as string;
  const stepRow = async () => (await db.raw<{ rows: Record<string, unknown>[] }>(
    'SELECT status, approvers, completed_at FROM approval_steps WHERE request_id = ? AND step_index = 0', [requestId])).rows[0];
  const decide = (who: Caller) => call(who, 'POST', `/api/v1/requests/${requestId}/decisions`, { verdict: 'approve', idempotencyKey: idempotencyKey() }).expect(200);
  const inbox = async (who: Caller) => ((await call(who, 'GET', '/api/v1/inbox').expect(200)).body as { items: { requestId: string }[] }).items.map((item) => item.requestId);
  return { db, rep, approvers, requestId, stepRow, decide, inbox, call };
}

describe('a step\'s stored row', () => {
  it('stays active while its approvers decide, and is approved with the time of the last decision', async () => {
    const { approvers, requestId, stepRow, decide, inbox } = await pendingAllOfThree();
    const [first, second, third] = approvers as [Caller, Caller, Caller];
    const opened = await stepRow();
    expect(opened).toMatchObject({ status: 'active', approvers: approvers.map((a) => a.email), completed_at: null });

    await decide(first);
    expect(await stepRow()).toEqual(opened);
    await decide(second);
    expect(await stepRow()).toEqual(opened);
    expect(await inbox(third)).toEqual([requestId]);
    expect(await inbox(first)).toEqual([]);

    const last = await decide(third);
    const approved = await stepRow();
    expect(approved).toMatchObject({ status: 'approved' });
    expect((approved?.completed_at as Date).toISOString()).toBe(last.body.request.steps[0].decisions.at(-1).decidedAt);
    expect(await inbox(third)).toEqual([]);
  });

  it('is skipped when the request is withdrawn part way through its step', async () => {
    const { rep, approvers, requestId, stepRow, decide, inbox, call } = await pendingAllOfThree();
    await decide(approvers[0]!);
    await call(rep, 'POST', `/api/v1/requests/${requestId}/withdraw`, { idempotencyKey: idempotencyKey() }).expect(200);
    expect(await stepRow()).toMatchObject({ status: 'skipped', completed_at: null });
    expect(await inbox(approvers[1]!)).toEqual([]);
  });
});
