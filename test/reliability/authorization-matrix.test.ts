// Who may do what: every role against every action, each cell on fresh state, over HTTP against the real app.
// The expected matrix is the table below; a cell passes only with exactly that status (and, for the inbox, only
// when the request is listed exactly where it should be). The card's offered actions must agree with the matrix.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Caller } from '../support/app.js';
import { useTestDatabase } from '../support/db.js';
import { idempotencyKey, SALES_POLICY_SOURCE, seedDeal, seedPortal, type SeededPortal } from '../support/factories.js';
import { startHarness, type Answer, type Harness } from './support/harness.js';
import { assertNoLeaks } from './support/leak-scan.js';

const database = useTestDatabase();

/*
 * The deal is owned by Bella Diaz (NA sales manager) and worth 600,000, so it takes the executive route:
 * step 1 "manager" (sales_manager of NA: Ben Carter; Bella is skipped as the owner), step 2 "finance"
 * (quorum of 2 of the Finance team), step 3 "cro". Noah King requests. Portal B is another customer with the
 * same directory: the same emails and user ids, the same deal ids.
 *
 * Cells: the HTTP status; for the inbox, `listed` (200 and the request is in it) or `empty` (200 and it is not);
 * `own 2xx`: that status, on portal B's own twin deal (same id), never touching or showing portal A's.
 */
const MATRIX = `
| action               | requester | owner | approver | laterApprover | admin | unrelated | otherPortalUser | otherPortalAdmin |
| -------------------- | --------- | ----- | -------- | ------------- | ----- | --------- | --------------- | ---------------- |
| view card            | 200       | 200   | 200      | 200           | 200   | 200       | own 200         | own 200          |
| request approval     | 201       | 201   | 201      | 201           | 201   | 201       | own 201         | own 201          |
| approve              | 403       | 403   | 200      | 403           | 403   | 403       | 404             | 404              |
| reject               | 403       | 403   | 200      | 403           | 403   | 403       | 404             | 404              |
| withdraw             | 200       | 403   | 403      | 403           | 403   | 403       | 404             | 404              |
| inbox                | empty     | empty | listed   | empty         | empty | empty     | empty           | empty            |
| admin: get policy    | 403       | 403   | 403      | 403           | 200   | 403       | 403             | 200              |
| admin: validate      | 403       | 403   | 403      | 403           | 200   | 403       | 403             | 200              |
| admin: save version  | 403       | 403   | 403      | 403           | 201   | 403       | 403             | 201              |
| admin: activate      | 403       | 403   | 403      | 403           | 200   | 403       | 403             | 200              |
| admin: set flag      | 403       | 403   | 403      | 403           | 200   | 403       | 403             | 200              |
| admin: scorecard     | 403       | 403   | 403      | 403           | 200   | 403       | 403             | 200              |
| demo: create deal    | 404       | 404   | 404      | 404           | 404   | 404       | 404             | 404              |
`;

/** After the manager step is approved: the finance approver's turn, and nobody else's (quorum of 2). */
const AFTER_FIRST_STEP = `
| action               | requester | owner | approver | laterApprover | admin | unrelated | otherPortalUser | otherPortalAdmin |
| -------------------- | --------- | ----- | -------- | ------------- | ----- | --------- | --------------- | ---------------- |
| approve              | 403       | 403   | 403      | 200           | 403   | 403       | 404             | 404              |
| withdraw             | 200       | 403   | 403      | 403           | 403   | 403       | 404             | 404              |
| inbox                | empty     | empty | empty    | listed        | empty | empty     | empty           | empty            |
`;

type Role = 'requester' | 'owner' | 'approver' | 'laterApprover' | 'admin' | 'unrelated' | 'otherPortalUser' | 'otherPortalAdmin';

function parseMatrix(table: string): { action: string; role: Role; expected: string }[] {
  const rows = table.trim().split('\n').map((line) => line.split('|').slice(1, -1).map((cell) => cell.trim()));
  const [header = [], , ...body] = rows;
  const roles = header.slice(1) as Role[];
  return body.flatMap(([action = '', ...cells]) => cells.map((expected, i) => ({ action, role: roles[i]!, expected })));
}

let harness: Harness;
let portalA: SeededPortal;
let portalB: SeededPortal;
let versionSeq = 0;

beforeAll(async () => {
  const { db } = database();
  harness = await startHarness(db);
  portalA = await seedPortal(db, { admins: ['dealdesk@acme.example'] });
  portalB = await seedPortal(db, { admins: ['dealdesk@acme.example'] });
});

afterAll(async () => {
  await harness?.close();
});

function callerFor(role: Role): Caller {
  switch (role) {
    case 'requester': return portalA.as('noah');
    case 'owner': return portalA.as('bella');
    case 'approver': return portalA.as('ben');
    case 'laterApprover': return portalA.as('fiona');
    case 'admin': return portalA.as('dealdesk');
    case 'unrelated': return portalA.as('liam');
    case 'otherPortalUser': return portalB.as('ben');
    case 'otherPortalAdmin': return portalB.as('dealdesk');
  }
}

/** A fresh executive-route deal, with its twin (same id) in portal B, and optionally a pending request on it. */
async function freshDeal(withRequest: boolean, approveFirstStep = false) {
  const properties = { amount: '600000', hubspot_owner_id: '112', discount_percent: '5' };
  const dealId = await seedDeal(portalA, properties);
  await seedDeal(portalB, properties, dealId);
  if (!withRequest) return { dealId, requestId: '00000000-0000-4000-8000-000000000000' };
  const opened = await harness.call(portalA.as('noah'), 'POST', `/api/v1/deals/${dealId}/requests`, { justification: 'strategic logo', idempotencyKey: idempotencyKey() });
  expect(opened.status, opened.text).toBe(201);
  const request = (opened.json as { request: { id: string; routeId: string; steps: { id: string; approvers: string[] }[] } }).request;
  expect(request.routeId).toBe('executive');
  expect(request.steps[0]?.approvers).toEqual(['ben.carter@acme.example']);
  expect(request.steps[1]?.approvers).toContain('fiona.hughes@acme.example');
  if (approveFirstStep) {
    const approved = await harness.call(portalA.as('ben'), 'POST', `/api/v1/requests/${request.id}/decisions`, { verdict: 'approve', idempotencyKey: idempotencyKey() });
    expect(approved.status, approved.text).toBe(200);
  }
  return { dealId, requestId: request.id };
}

const NEEDS_REQUEST = new Set(['view card', 'approve', 'reject', 'withdraw', 'inbox']);

async function act(action: string, caller: Caller, ids: { dealId: string; requestId: string }): Promise<Answer> {
  switch (action) {
    case 'view card': return harness.call(caller, 'GET', `/api/v1/deals/${ids.dealId}/card`);
    case 'request approval': return harness.call(caller, 'POST', `/api/v1/deals/${ids.dealId}/requests`, { justification: 'please', idempotencyKey: idempotencyKey() });
    case 'approve': return harness.call(caller, 'POST', `/api/v1/requests/${ids.requestId}/decisions`, { verdict: 'approve', idempotencyKey: idempotencyKey() });
    case 'reject': return harness.call(caller, 'POST', `/api/v1/requests/${ids.requestId}/decisions`, { verdict: 'reject', comment: 'no', idempotencyKey: idempotencyKey() });
    case 'withdraw': return harness.call(caller, 'POST', `/api/v1/requests/${ids.requestId}/withdraw`, { idempotencyKey: idempotencyKey() });
    case 'inbox': return harness.call(caller, 'GET', '/api/v1/inbox');
    case 'admin: get policy': return harness.call(caller, 'GET', '/api/v1/admin/policy');
    case 'admin: validate': return harness.call(caller, 'POST', '/api/v1/admin/policy/validate', { source: SALES_POLICY_SOURCE });
    case 'admin: save version': return harness.call(caller, 'POST', '/api/v1/admin/policy/versions', {
      source: SALES_POLICY_SOURCE.replace('name: Acme deal desk', `name: Acme deal desk v${++versionSeq}`), ...(await activeVersionGuard(caller)),
    });
    case 'admin: activate': return harness.call(caller, 'POST', '/api/v1/admin/policy/versions/1/activate', await activeVersionGuard(caller));
    case 'admin: set flag': return harness.call(caller, 'PUT', '/api/v1/admin/flag', {
      flag: 'on', idempotencyKey: idempotencyKey(), expectedVersion: (await harness.db('portals').where({ id: caller.portalId }).first<{ flag_version: number }>('flag_version')).flag_version,
    });
    case 'admin: scorecard': return harness.call(caller, 'GET', '/api/v1/scorecard?from=2026-11-01&to=2026-12-01');
    case 'demo: create deal': return harness.call(caller, 'POST', '/api/v1/demo/deals', { properties: { dealname: 'x' } });
    default: throw new Error(`no such action in the matrix: ${action}`);
  }
}

/** A policy write's guard as a well-behaved admin client sends it: a fresh key and the active version now. */
async function activeVersionGuard(caller: Caller) {
  const active = await harness.db('policy_versions').where({ portal_id: caller.portalId, is_active: true }).first<{ version: number } | undefined>('version');
  return { idempotencyKey: idempotencyKey(), expectedActiveVersion: active?.version ?? null };
}

/** What a cell observed, in the matrix's own words. */
function observed(action: string, answer: Answer, requestId: string, caller: Caller): string {
  if (action === 'inbox' && answer.status === 200) {
    const items = (answer.json as { items: { requestId: string }[] }).items;
    return items.some((item) => item.requestId === requestId) ? 'listed' : 'empty';
  }
  if (caller.portalId === portalB.portalId && answer.status < 300 && (action === 'view card' || action === 'request approval')) {
    const body = answer.json as { portalId?: string; request: { id: string } | null };
    // B's card shows B's deal and none of A's requests; B's request is a new one, not A's.
    const own = action === 'view card' ? body.portalId === portalB.portalId && body.request === null : body.request?.id !== requestId;
    return own ? `own ${answer.status}` : `A's data! ${answer.status}`;
  }
  return String(answer.status);
}

async function portalAState() {
  const { db } = database();
  const [portal, versions] = await Promise.all([
    db('portals').where({ id: portalA.portalId }).first<{ feature_flag: string }>(),
    db('policy_versions').where({ portal_id: portalA.portalId }).orderBy('version').select<{ version: number; is_active: boolean }[]>('version', 'is_active'),
  ]);
  return { flag: portal?.feature_flag, versions };
}

describe('the authorisation matrix', () => {
  it('has a cell for every role and every action', () => {
    const cells = parseMatrix(MATRIX);
    expect(new Set(cells.map((c) => c.role)).size).toBe(8);
    expect(cells).toHaveLength(8 * 13);
  });

  it.each(parseMatrix(MATRIX).map((cell) => [cell.action, cell.role, cell.expected, cell] as const))(
    'a pending request at its first step: %s by the %s is %s', async (action, role, expected) => {
      const ids = await freshDeal(NEEDS_REQUEST.has(action));
      const stateBefore = role.startsWith('otherPortal') ? await portalAState() : undefined;
      const answer = await act(action, callerFor(role), ids);
      expect(observed(action, answer, ids.requestId, callerFor(role)), `${action} by ${role}: ${answer.text.slice(0, 300)}`).toBe(expected);
      // Whatever another portal's admin does lands in their portal only.
      if (stateBefore) expect(await portalAState()).toEqual(stateBefore);
      if (action === 'view card' && answer.status === 200 && !role.startsWith('otherPortal')) {
        const actions = (answer.json as { actions: Record<string, boolean> }).actions;
        const allowed = (name: string) => /^20\d$/.test(parseMatrix(MATRIX).find((c) => c.action === name && c.role === role)?.expected ?? '');
        // The card offers exactly what the server allows (request is not offered while one is pending).
        expect(actions, `card actions for ${role}`).toEqual({ request: false, decide: allowed('approve'), withdraw: allowed('withdraw') });
      }
    });

  it.each(parseMatrix(AFTER_FIRST_STEP).map((cell) => [cell.action, cell.role, cell.expected] as const))(
    'a request past its first step: %s by the %s is %s', async (action, role, expected) => {
      const ids = await freshDeal(true, true);
      const answer = await act(action, callerFor(role), ids);
      expect(observed(action, answer, ids.requestId, callerFor(role)), `${action} by ${role}: ${answer.text.slice(0, 300)}`).toBe(expected);
    });

  it('a refused act changes nothing: the request is still pending at its first step, at version 1', async () => {
    const ids = await freshDeal(true);
    for (const role of ['requester', 'owner', 'laterApprover', 'admin', 'unrelated', 'otherPortalUser', 'otherPortalAdmin'] as const) {
      await act('approve', callerFor(role), ids);
      await act('reject', callerFor(role), ids);
    }
    for (const role of ['owner', 'approver', 'admin', 'otherPortalUser'] as const) await act('withdraw', callerFor(role), ids);
    const row = await database().db('approval_requests').where({ id: ids.requestId }).first<{ state: string; row_version: number; portal_id: string }>();
    expect(row).toMatchObject({ state: 'pending', row_version: 1, portal_id: portalA.portalId });
    expect(await database().db('decisions').where({ request_id: ids.requestId }).count()).toEqual([{ count: '0' }]);
  });

  it('no error answer or log line of the matrix leaks anything', () => {
    assertNoLeaks(harness, { databaseUrl: database().url, tokenShapes: true });
  });
});
