import { describe, expect, it } from 'vitest';
import { CardView, RequestAnswer } from '../../src/contract/card-api.js';
import { buildTestApp, callApi, captureApi, type ApiMethod } from '../support/app.js';
import { findPortal } from '../../server/store/portals.js';
import { createDelegation } from '../../server/use-cases/admin/manage-delegations.js';
import { useTestDatabase } from '../support/db.js';
import { idempotencyKey, seedDeal, seedPortal } from '../support/factories.js';
import { createTestLogger } from '../support/logger.js';

const database = useTestDatabase();

// Ava Stone (owner 101) sells in EMEA, where Anna Berg is the sales manager: a 25% discount routes to Anna alone.
const EMEA_DEAL = { hubspot_owner_id: '101', discount_percent: '25' };
const ANNA = 'anna.berg@acme.example';
const CRO = 'cro@acme.example';
const VP = 'vp.sales@acme.example';

async function setup() {
  const { db } = database();
  const portal = await seedPortal(db, { admins: ['dealdesk@acme.example'] });
  const { app, clock } = buildTestApp(db);
  const call = (who: string, method: ApiMethod, path: string, body?: unknown) => callApi(app, clock, portal.as(who), method, path, body);
  // As a careful client writes: under a fresh idempotency key, against the delegations' version it has just read.
  const guard = async (who: string) => ({
    idempotencyKey: idempotencyKey(), expectedVersion: (await call(who, 'GET', '/api/v1/admin/delegations').expect(200)).body.version as number,
  });
  const delegate = async (who: string, window: object, status: number) => {
    const answer = await call(who, 'POST', '/api/v1/admin/delegations', { ...window, ...(await guard(who)) });
    expect(answer.status, answer.text).toBe(status);
    return answer;
  };
  const remove = async (who: string, path: string, status: number) => {
    const { idempotencyKey: key, expectedVersion } = await guard(who);
    const answer = await call(who, 'DELETE', `${path}?${new URLSearchParams({ idempotencyKey: key, expectedVersion: String(expectedVersion) }).toString()}`);
    expect(answer.status, answer.text).toBe(status);
    return answer;
  };
  const card = async (who: string, dealId: string) => CardView.parse((await call(who, 'GET', `/api/v1/deals/${dealId}/card`).expect(200)).body);
  const requestFor = async (dealId: string) =>
    RequestAnswer.parse((await call('ava', 'POST', `/api/v1/deals/${dealId}/requests`, { justification: 'Competitive pressure', idempotencyKey: idempotencyKey() }).expect(201)).body).request;
  const capture = (who: string, method: ApiMethod, path: string, body?: unknown) => captureApi(app, clock, portal.as(who), method, path, body);
  return { db, portal, clock, call, capture, guard, delegate, remove, card, requestFor };
}

describe('delegation', () => {
  it('sends the step to the delegate only inside the window, and the decision records both names', async () => {
    const { db, clock, call, delegate, card, requestFor, portal } = await setup();
    const set = await delegate('dealdesk', { from: ANNA, to: CRO, startsAt: '2026-11-27T12:00:00Z', endsAt: '2026-11-28T12:00:00Z' }, 201);
    expect(set.body.delegation).toMatchObject({ from: ANNA, to: CRO, status: 'upcoming', createdBy: 'dealdesk@acme.example', toName: 'Carmen Ruiz' });

    // Before the window: Anna.
    const before = await seedDeal(portal, EMEA_DEAL);
    expect((await card('ava', before)).preview?.steps[0]?.approvers.map((a) => a.email)).toEqual([ANNA]);

    // Inside it: the delegate, acting for Anna, and the request is routed to her.
    clock.set('2026-11-27T13:00:00.000Z');
    const during = await seedDeal(portal, EMEA_DEAL);
    const preview = (await card('ava', during)).preview?.steps[0]?.approvers;
    expect(preview).toEqual([expect.objectContaining({ email: CRO, delegatedFrom: ANNA, reason: expect.stringContaining(`acting for ${ANNA}`) })]);
    const opened = await requestFor(during);
    expect(opened.steps[0]).toMatchObject({ approvers: [CRO], waitingOn: [CRO] });

    // Anna is not on the step; the delegate may decide, and the decision says for whom.
    expect((await card('anna', during)).actions.decide).toBe(false);
    await call('anna', 'POST', `/api/v1/requests/${opened.id}/decisions`, { verdict: 'approve', idempotencyKey: idempotencyKey() }).expect(403);
    expect((await card('cro', during)).actions.decide).toBe(true);
    const decided = RequestAnswer.parse((await call('cro', 'POST', `/api/v1/requests/${opened.id}/decisions`, {
      verdict: 'approve', comment: 'Covering for Anna', idempotencyKey: idempotencyKey(),
    }).expect(200)).body).request;
    expect(decided.state).toBe('approved');
    expect(decided.steps[0]?.decisions).toEqual([expect.objectContaining({ approver: CRO, approverName: 'Carmen Ruiz', onBehalfOf: ANNA, verdict: 'approve' })]);
    expect(await db('decisions').where({ request_id: opened.id }).select('approver_email', 'on_behalf_of')).toEqual([{ approver_email: CRO, on_behalf_of: ANNA }]);
    const trace = await db('traces').where({ request_id: opened.id, kind: 'decision' }).first<{ input: string }>('input');
    expect(JSON.parse(trace.input)).toMatchObject({ approver: CRO, onBehalfOf: ANNA });
    // The card, read later, still shows both names.
    const later = (await card('ava', during)).request;
    expect(later?.steps[0]?.decisions[0]).toMatchObject({ approver: CRO, onBehalfOf: ANNA });
    // The decision's answer, built from what it wrote, is the request as a fresh read presents it.
    expect(decided).toEqual(later);

    // After the window: Anna again.
    clock.set('2026-11-28T12:00:00.000Z');
    const after = await seedDeal(portal, EMEA_DEAL);
    expect((await requestFor(after)).steps[0]?.approvers).toEqual([ANNA]);
  });

  it('stops a chain after one hop, and the explanation and the trace say whose delegation was not followed', async () => {
    const { db, delegate, card, requestFor, portal } = await setup();
    await delegate('dealdesk', { from: VP, to: CRO, startsAt: '2026-11-27T00:00:00Z', endsAt: '2026-11-30T00:00:00Z' }, 201);
    const second = await delegate('dealdesk', { from: ANNA, to: VP, startsAt: '2026-11-27T00:00:00Z', endsAt: '2026-11-29T00:00:00Z' }, 201);
    expect(second.body.warnings).toEqual([expect.stringContaining(`${VP} is away too (delegates to ${CRO})`)]);

    const dealId = await seedDeal(portal, EMEA_DEAL);
    const step = (await card('ava', dealId)).preview?.steps[0];
    expect(step?.approvers).toEqual([expect.objectContaining({ email: VP, delegatedFrom: ANNA })]);
    const reason = `${VP} has delegated to ${CRO} as well, but delegations go one hop: ${VP} acts for ${ANNA}`;
    expect(step?.approvers[0]?.reason).toContain(reason);
    expect(step?.notes).toContain(reason);

    const opened = await requestFor(dealId);
    expect(opened.steps[0]?.approvers).toEqual([VP]);
    const transition = await db('traces').where({ request_id: opened.id, kind: 'transition' }).first<{ input: string }>('input');
    expect(JSON.parse(transition.input).delegationsNotFollowed).toEqual([{ stepId: 'manager', approver: VP, delegatedFrom: ANNA, notFollowed: CRO, reason }]);
  });

  it('answers 400 with the field paths for a bad window', async () => {
    const { call } = await setup();
    const post = (body: object) => call('dealdesk', 'POST', '/api/v1/admin/delegations', { idempotencyKey: idempotencyKey(), expectedVersion: 1, ...body }).expect(400);
    const paths = async (body: object) => ((await post(body)).body.error.details as { path: string }[]).map((d) => d.path).sort();

    expect(await paths({ from: ANNA, to: 'Anna.Berg@acme.example', startsAt: '2026-12-01T00:00:00Z', endsAt: '2026-12-02T00:00:00Z' })).toEqual(['body.to']);
    expect(await paths({ from: ANNA, to: CRO, startsAt: '2026-12-02T00:00:00Z', endsAt: '2026-12-01T00:00:00Z' })).toEqual(['body.endsAt']);
    expect(await paths({ from: 'not-an-email', to: CRO, startsAt: 'tomorrow', endsAt: '2026-12-01T00:00:00Z' })).toEqual(['body.from', 'body.startsAt']);
    expect(await paths({ from: ANNA, to: CRO })).toEqual(['body.endsAt', 'body.startsAt']);
    expect(await paths({ from: ANNA, to: CRO, startsAt: '2026-12-01T00:00:00Z', endsAt: '2026-12-02T00:00:00Z', extra: 1 })).toEqual(['body']);
    // Checked against the directory and the clock.
    const unknown = await post({ from: 'ghost@acme.example', to: 'Nobody@Acme.example', startsAt: '2026-12-01T00:00:00Z', endsAt: '2026-12-02T00:00:00Z' });
    expect(unknown.body.error.details).toEqual([
      { path: 'body.from', message: 'ghost@acme.example is not a user in this portal\'s directory' },
      { path: 'body.to', message: 'nobody@acme.example is not a user in this portal\'s directory' },
    ]);
    expect(await paths({ from: ANNA, to: CRO, startsAt: '2026-11-01T00:00:00Z', endsAt: '2026-11-02T00:00:00Z' })).toEqual(['body.endsAt']);
  });

  it('answers 400 naming the field for an instant outside 1970..9999, which Postgres or a Date could not hold', async () => {
    const { call } = await setup();
    const problems = async (startsAt: string, endsAt: string) => {
      const answer = await call('dealdesk', 'POST', '/api/v1/admin/delegations', { from: ANNA, to: CRO, startsAt, endsAt, idempotencyKey: idempotencyKey(), expectedVersion: 1 });
      expect(answer.status, answer.text).toBe(400);
      return answer.body.error.details as { path: string; message: string }[];
    };
    expect(await problems('0000-01-01T00:00:00Z', '2026-12-02T00:00:00Z')).toEqual([{ path: 'body.startsAt', message: expect.stringMatching(/from 1970.* through 9999/) }]);
    expect(await problems('1969-12-31T23:59:59Z', '2026-12-02T00:00:00Z')).toEqual([expect.objectContaining({ path: 'body.startsAt' })]);
    // An offset carries the last minute of 9999 into year 10000.
    expect(await problems('2026-12-01T00:00:00Z', '9999-12-31T23:59:59-01:00')).toEqual([expect.objectContaining({ path: 'body.endsAt' })]);
    const furthest = await call('dealdesk', 'POST', '/api/v1/admin/delegations', { from: ANNA, to: CRO, startsAt: '2026-12-01T00:00:00Z', endsAt: '9999-12-31T23:59:59.999Z', idempotencyKey: idempotencyKey(), expectedVersion: 1 });
    expect(furthest.status, furthest.text).toBe(201);
  });

  it('takes a delegate whose address is not ASCII, and refuses a lookalike of an ASCII user as unknown', async () => {
    const { delegate, portal } = await setup();
    await portal.crm.upsertUser(portal.portalId, { email: 'José.Núñez@acme.example', userId: '4711', name: 'José Núñez', teams: ['EMEA'] });
    await portal.crm.upsertUser(portal.portalId, { email: 'kate@acme.example', userId: '4712', name: 'Kate Lim', teams: ['NA'] });
    const window = { startsAt: '2026-12-01T00:00:00Z', endsAt: '2026-12-02T00:00:00Z' };
    // Decomposed accents and ASCII capitals name the same person as the directory's composed address.
    const set = await delegate('dealdesk', { from: ANNA, to: 'Jose\u0301.Nu\u0301n\u0303ez@ACME.example', ...window }, 201);
    expect(set.body.delegation).toMatchObject({ to: 'josé.núñez@acme.example', toName: 'José Núñez' });
    // A Kelvin sign for the K of an ASCII address is someone else: nobody in the directory.
    const lookalike = await delegate('dealdesk', { from: CRO, to: '\u212Aate@acme.example', ...window }, 400);
    expect(lookalike.body.error.details).toEqual([{ path: 'body.to', message: '\u212Aate@acme.example is not a user in this portal\'s directory' }]);
  });

  it('lets admins manage every window and an approver only their own; overlaps conflict, a repeat is a no-op', async () => {
    const { call, delegate, remove, card, portal, clock } = await setup();
    const window = { startsAt: '2026-11-27T00:00:00Z', endsAt: '2026-12-01T00:00:00Z' };
    // Someone else's window needs an admin.
    const refused = await delegate('noah', { from: ANNA, to: CRO, ...window }, 403);
    expect(refused.body.error.message).toMatch(/your own away window/);
    // Their own is fine: Ben sets his away window himself.
    const own = await delegate('ben', { from: 'ben.carter@acme.example', to: 'bella.diaz@acme.example', ...window }, 201);
    const set = await delegate('dealdesk', { from: ANNA, to: CRO, ...window }, 201);
    expect((await delegate('dealdesk', { from: ANNA, to: CRO, ...window }, 200)).body).toMatchObject({ created: false });
    const overlap = await delegate('dealdesk', { from: ANNA, to: VP, startsAt: '2026-11-30T00:00:00Z', endsAt: '2026-12-03T00:00:00Z' }, 409);
    expect(overlap.body.error.message).toContain(set.body.delegation.id);

    // Admins list the portal's windows; anyone else sees the ones they are part of.
    const all = await call('dealdesk', 'GET', '/api/v1/admin/delegations').expect(200);
    expect(all.body).toMatchObject({ scope: 'portal' });
    expect(all.body.delegations.map((d: { from: string }) => d.from).sort()).toEqual([ANNA, 'ben.carter@acme.example']);
    const mine = await call('bella', 'GET', '/api/v1/admin/delegations').expect(200);
    expect(mine.body).toMatchObject({ scope: 'mine', delegations: [{ id: own.body.delegation.id, status: 'active' }] });
    expect((await call('noah', 'GET', '/api/v1/admin/delegations').expect(200)).body.delegations).toEqual([]);

    // Revoking: not someone else's unless admin; an unknown id is 404; a revoked window routes nothing.
    await remove('ben', `/api/v1/admin/delegations/${set.body.delegation.id}`, 403);
    await remove('dealdesk', '/api/v1/admin/delegations/7d0c1f9e-0000-4000-8000-000000000000', 404);
    await remove('dealdesk', '/api/v1/admin/delegations/not-a-uuid', 400);
    const revoked = await remove('dealdesk', `/api/v1/admin/delegations/${set.body.delegation.id}`, 200);
    expect(revoked.body).toMatchObject({ changed: true, delegation: { status: 'revoked', revokedBy: 'dealdesk@acme.example' } });
    expect((await remove('ben', `/api/v1/admin/delegations/${own.body.delegation.id}`, 200)).body).toMatchObject({ changed: true });
    clock.advanceHours(1);
    const dealId = await seedDeal(portal, EMEA_DEAL);
    expect((await card('ava', dealId)).preview?.steps[0]?.approvers.map((a) => a.email)).toEqual([ANNA]);

    const history = await call('dealdesk', 'GET', '/api/v1/admin/delegations?all=true').expect(200);
    expect(history.body.delegations.map((d: { status: string }) => d.status)).toEqual(['revoked', 'revoked']);
    expect((await call('dealdesk', 'GET', '/api/v1/admin/delegations').expect(200)).body.delegations).toEqual([]);
  });

  it('a captured write replayed while its signature holds answers as the first time and changes nothing', async () => {
    const { db, portal, call, capture, remove } = await setup();
    const window = { from: ANNA, to: CRO, startsAt: '2026-11-28T00:00:00Z', endsAt: '2026-11-30T00:00:00Z' };
    expect((await call('dealdesk', 'GET', '/api/v1/admin/delegations').expect(200)).body.version).toBe(1);
    const setting = capture('dealdesk', 'POST', '/api/v1/admin/delegations', { ...window, idempotencyKey: idempotencyKey(), expectedVersion: 1 });
    const set = await setting().expect(201);
    expect(set.body.version).toBe(2);
    const revoking = capture('dealdesk', 'DELETE', `/api/v1/admin/delegations/${set.body.delegation.id}?idempotencyKey=${idempotencyKey()}&expectedVersion=2`);
    const revoked = await revoking().expect(200);
    expect(revoked.body).toMatchObject({ changed: true, version: 3 });

    // Setting it again would bring the revoked window back; instead both answer as they did, and nothing moves.
    expect((await setting().expect(201)).body).toEqual(set.body);
    expect((await revoking().expect(200)).body).toEqual(revoked.body);
    const rows = await db('delegations').where({ portal_id: portal.portalId }).select('id', 'revoked_at');
    expect(rows).toEqual([{ id: set.body.delegation.id, revoked_at: expect.any(Date) }]);
    expect((await call('dealdesk', 'GET', '/api/v1/admin/delegations').expect(200)).body).toMatchObject({ version: 3, delegations: [] });

    // Under a new key, a write made against a version that has moved on is a 409.
    const stale = await call('dealdesk', 'POST', '/api/v1/admin/delegations', { ...window, idempotencyKey: idempotencyKey(), expectedVersion: 2 }).expect(409);
    expect(stale.body.error.message).toBe('the portal\'s set of delegations is at version 3, not 2: reload and try again');
    await call('dealdesk', 'DELETE', `/api/v1/admin/delegations/${set.body.delegation.id}?idempotencyKey=${idempotencyKey()}&expectedVersion=1`).expect(409);
    // Without a key and a version, a revoke is refused as malformed.
    const bare = await call('dealdesk', 'DELETE', `/api/v1/admin/delegations/${set.body.delegation.id}`).expect(400);
    expect(bare.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['query.expectedVersion', 'query.idempotencyKey']);
    await remove('dealdesk', `/api/v1/admin/delegations/${set.body.delegation.id}`, 200);
  });

  it('a window set from the command line moves the version on, so a page read before it is stale', async () => {
    const { db, portal, clock, call } = await setup();
    const found = await findPortal(db, portal.portalId);
    const deps = { db, logger: createTestLogger().logger, now: clock.now, crmFor: () => portal.crm };
    const window = { startsAt: '2026-11-28T00:00:00.000Z', endsAt: '2026-11-30T00:00:00.000Z' };
    const set = await createDelegation(deps, found!, { email: 'cli:ops', admin: true }, { from: ANNA, to: CRO, ...window });
    expect(set).toMatchObject({ status: 201, body: { version: 2 } });
    await call('dealdesk', 'POST', '/api/v1/admin/delegations', { from: VP, to: CRO, ...window, idempotencyKey: idempotencyKey(), expectedVersion: 1 }).expect(409);
  });
});
