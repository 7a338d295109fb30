// An act on a request this process itself last changed goes out in one round trip, decided from the request as
// that change left it; whatever made that row stale meanwhile sends it the long way, with the same outcome.
import { describe, expect, it } from 'vitest';
import { createDb } from '../../server/db/database.js';
import { verifyChain } from '../../server/store/traces.js';
import { buildTestApp, callApi, type Caller } from '../support/app.js';
import { useTestDatabase } from '../support/db.js';
import { crowdPolicy, idempotencyKey, seedDeal, seedPortal } from '../support/factories.js';
import { onTheWire } from '../support/wire.js';

const database = useTestDatabase();

/** A pending request on one step all four approvers must approve, and two service processes on one database. */
async function setup() {
  const { db, url } = database();
  const { source, users } = crowdPolicy(4, 'all');
  const portal = await seedPortal(db, { policySource: source, users });
  const here = buildTestApp(db);
  // Another process: its own database handle, so it remembers nothing this one does.
  const elsewhereDb = createDb(url, { poolMax: 2 });
  const elsewhere = buildTestApp(elsewhereDb);
  const dealId = await seedDeal(portal, { hubspot_owner_id: '900' });
  const rep: Caller = { portalId: portal.portalId, userId: '9000', email: 'rep@crowd.example' };
  const approvers = users.slice(1).map((user): Caller => ({ portalId: portal.portalId, userId: user.userId!, email: user.email }));
  const opened = await callApi(here.app, here.clock, rep, 'POST', `/api/v1/deals/${dealId}/requests`, { justification: 'four', idempotencyKey: idempotencyKey() }).expect(201);
  const requestId = opened.body.request.id as string;
  // A card view keeps the portal's copy in each process, as an approver opening the deal does.
  for (const app of [here, elsewhere]) await callApi(app.app, app.clock, approvers[0]!, 'GET', `/api/v1/deals/${dealId}/card`).expect(200);
  const decide = (app: typeof here, who: Caller, key = idempotencyKey()) =>
    callApi(app.app, app.clock, who, 'POST', `/api/v1/requests/${requestId}/decisions`, { verdict: 'approve', idempotencyKey: key });
  return { db, portal, here, elsewhere, elsewhereDb, approvers, requestId, dealId, decide, rep };
}

const ONE_ROUND_TRIP = [
  'send BEGIN', 'send INSERT INTO idempotency_keys', 'send SELECT raise_unless', 'send WITH w0', 'send WITH appended', 'send COMMIT',
  'answered BEGIN', 'answered INSERT INTO idempotency_keys', 'answered SELECT raise_unless', 'answered WITH w0', 'answered WITH appended', 'answered COMMIT',
];

describe('an act on a request this process last changed', () => {
  it('goes out in one round trip, and answers and writes as the long way does', async () => {
    const { db, portal, here, elsewhereDb, approvers, requestId, decide } = await setup();
    try {
      const [first, second] = approvers as [Caller, Caller, Caller, Caller];
      const firstAnswer = await decide(here, first).expect(200);
      const { wire } = await onTheWire(db, async () => {
        const answer = await decide(here, second).expect(200);
        expect(answer.body.request.version).toBe(firstAnswer.body.request.version + 1);
        expect(answer.body.request.steps[0].decisions.map((d: { approver: string }) => d.approver)).toEqual([first.email, second.email]);
      });
      expect(wire).toEqual(ONE_ROUND_TRIP);
      const row = await db('approval_requests').where({ id: requestId }).first<{ row_version: number; lifecycle: { steps: { decisions: unknown[] }[] } }>();
      expect(row).toMatchObject({ row_version: 3 });
      expect(row?.lifecycle.steps[0]?.decisions).toHaveLength(2);
      expect(await db('decisions').where({ request_id: requestId }).count()).toEqual([{ count: '2' }]);
      const traces = await db('traces').where({ request_id: requestId, kind: 'decision' }).orderBy('seq').pluck('input') as string[];
      expect(traces.map((input) => JSON.parse(input) as { fromVersion: number }).map((input) => input.fromVersion)).toEqual([1, 2]);
      expect(await verifyChain(db, portal.portalId)).toMatchObject({ ok: true });
    } finally {
      await elsewhereDb.destroy();
    }
  });

  it('goes the long way when another process changed the request meanwhile, and counts every decision once', async () => {
    const { db, portal, here, elsewhere, elsewhereDb, approvers, requestId, decide } = await setup();
    try {
      const [first, second, third, fourth] = approvers as [Caller, Caller, Caller, Caller];
      await decide(here, first).expect(200);
      await decide(elsewhere, second).expect(200); // this process's copy is now one version behind
      const { wire } = await onTheWire(db, () => decide(here, third).expect(200));
      // The one round trip goes out, its version check fails (the statements behind it fail with it and COMMIT rolls
      // back), and the decision goes the long way: key and lock first.
      expect(wire.slice(0, 6)).toEqual(ONE_ROUND_TRIP.slice(0, 6));
      const longWay = wire.indexOf('answered COMMIT') + 1;
      expect(wire.slice(longWay, longWay + 3)).toEqual(['send BEGIN', 'send INSERT INTO idempotency_keys', 'send select "r"']);
      const last = await decide(here, fourth).expect(200);
      expect(last.body.request.state).toBe('approved');
      expect(await db('decisions').where({ request_id: requestId }).orderBy('id').pluck('approver_email')).toEqual(approvers.map((a) => a.email));
      expect(await db('approval_requests').where({ id: requestId }).first()).toMatchObject({ state: 'approved', row_version: 5 });
      expect(await verifyChain(db, portal.portalId)).toMatchObject({ ok: true });
    } finally {
      await elsewhereDb.destroy();
    }
  });

  it('goes the long way when the portal\'s flag changed behind its copy: in shadow mode no sync is queued', async () => {
    const { db, portal, here, elsewhereDb, approvers, dealId, decide } = await setup();
    try {
      const [first, second] = approvers as [Caller, Caller, Caller, Caller];
      await decide(here, first).expect(200);
      await db('jobs').where({ portal_id: portal.portalId, kind: 'sync_deal' }).delete();
      await db('portals').where({ id: portal.portalId }).update({ feature_flag: 'shadow' });
      await decide(here, second).expect(200);
      expect(await db('jobs').where({ portal_id: portal.portalId, kind: 'sync_deal', key: dealId }).count()).toEqual([{ count: '0' }]);
      await db('portals').where({ id: portal.portalId }).update({ feature_flag: 'off' });
      await decide(here, approvers[2]!).expect(403);
    } finally {
      await elsewhereDb.destroy();
    }
  });

  it('replays a repeated key without acting again', async () => {
    const { db, here, elsewhereDb, approvers, requestId, decide } = await setup();
    try {
      const [first, second] = approvers as [Caller, Caller, Caller, Caller];
      await decide(here, first).expect(200);
      const key = idempotencyKey();
      const once = await decide(here, second, key).expect(200);
      const again = await decide(here, second, key).expect(200);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.body).toEqual(once.body);
      expect(await db('decisions').where({ request_id: requestId }).count()).toEqual([{ count: '2' }]);
      // The request as the first call left it is still this process's copy: the next approver goes in one round trip.
      const { wire } = await onTheWire(db, () => decide(here, approvers[2]!).expect(200));
      expect(wire[2]).toBe('send SELECT raise_unless');
    } finally {
      await elsewhereDb.destroy();
    }
  });
});
