import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { verifyChain } from '../../server/store/traces.js';
import { CardView, ErrorAnswer, InboxAnswer, RequestAnswer } from '../../src/contract/card-api.js';
import { buildTestApp, callApi } from '../support/app.js';
import { useTestDatabase } from '../support/db.js';
import { crowdPolicy, idempotencyKey, seedDeal, seedPortal } from '../support/factories.js';

const database = useTestDatabase();

async function setup(flag: 'off' | 'shadow' | 'on' = 'on') {
  const { db } = database();
  const portal = await seedPortal(db, { flag });
  const { app, clock } = buildTestApp(db);
  const call = (who: string, method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown) => callApi(app, clock, portal.as(who), method, path, body);
  return { db, portal, app, clock, call };
}

describe('the card view', () => {
  it('shows the rep the score with each factor, the route a request would take and who approves', async () => {
    const { portal, call } = await setup();
    const dealId = await seedDeal(portal, { discount_percent: '25', payment_terms: 'net_60' });
    const response = await call('noah', 'GET', `/api/v1/deals/${dealId}/card`).expect(200);
    const view = CardView.parse(response.body);
    expect(view.score?.value).toBe(45);
    expect(view.score?.factors.find((f) => f.id === 'discount')).toMatchObject({ value: '25', points: 35, status: 'scored' });
    expect(view.preview).toMatchObject({ outcome: 'routed', routeId: 'standard' });
    expect(view.preview?.steps[0]?.approvers.map((a) => a.email)).toEqual(['ben.carter@acme.example', 'bella.diaz@acme.example']);
    expect(view.actions).toEqual({ request: true, withdraw: false, decide: false });
    expect(view.viewer.roles).toContain('owner');
    expect(view.traceHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('names a missing or unparsable property instead of guessing', async () => {
    const { portal, call } = await setup();
    const dealId = await seedDeal(portal, { discount_percent: '12,5', amount: null });
    const view = CardView.parse((await call('noah', 'GET', `/api/v1/deals/${dealId}/card`).expect(200)).body);
    expect(view.score?.factors.find((f) => f.id === 'discount')).toMatchObject({ status: 'unparsable', points: 0 });
    expect(view.score?.factors.find((f) => f.id === 'size')).toMatchObject({ status: 'missing', points: 0 });
  });

  it('scores and routes on properties named like an object member (constructor, toString, hasOwnProperty)', async () => {
    const { db } = database();
    const policySource = stringify({
      name: 'Odd names',
      scoring: { factors: [{ id: 'c', property: 'constructor', bands: [{ from: 1, points: 40 }] }, { id: 't', property: 'toString', values: { yes: 10 } }] },
      routes: [
        { id: 'odd', when: { any: [{ property: 'hasOwnProperty', exists: true }, { property: 'toString', in: ['yes'] }] }, steps: [{ id: 'm', approvers: { users: ['ben.carter@acme.example'] }, mode: 'any', slaHours: 24 }] },
        { id: 'rest', when: { always: true }, autoApprove: true },
      ],
    });
    const portal = await seedPortal(db, { policySource });
    const { app, clock } = buildTestApp(db);
    const view = async (dealId: string) => CardView.parse((await callApi(app, clock, portal.as('noah'), 'GET', `/api/v1/deals/${dealId}/card`).expect(200)).body);

    const lacking = await view(await seedDeal(portal));
    expect(lacking.score?.factors.map((f) => f.status)).toEqual(['missing', 'missing']);
    expect(lacking.preview).toMatchObject({ routeId: 'rest' });
    const having = await view(await seedDeal(portal, { constructor: '3', toString: 'yes' }));
    expect(having.score?.value).toBe(50);
    expect(having.preview).toMatchObject({ routeId: 'odd' });
  });

  it('routes a manager\'s own request past themselves, and says so', async () => {
    const { portal, call } = await setup();
    const dealId = await seedDeal(portal, { discount_percent: '25' });
    const view = CardView.parse((await call('ben', 'GET', `/api/v1/deals/${dealId}/card`).expect(200)).body);
    const step = view.preview?.steps[0];
    expect(step?.approvers.map((a) => a.email)).toEqual(['bella.diaz@acme.example']);
    expect(step?.notes.join(' ')).toMatch(/ben.carter@acme.example skipped .*requester never approves/);
  });

  it('says the app is off and offers nothing when the portal flag is off', async () => {
    const { portal, call } = await setup('off');
    const dealId = await seedDeal(portal, { discount_percent: '25' });
    const view = CardView.parse((await call('noah', 'GET', `/api/v1/deals/${dealId}/card`).expect(200)).body);
    expect(view.mode).toBe('off');
    expect(view.actions).toEqual({ request: false, withdraw: false, decide: false });
    const refused = await call('noah', 'POST', `/api/v1/deals/${dealId}/requests`, { justification: 'x', idempotencyKey: idempotencyKey() }).expect(403);
    expect(ErrorAnswer.parse(refused.body).error.message).toMatch(/turned off/);
  });

  it('answers 404 for a deal the portal does not have and 400 for a malformed deal id', async () => {
    const { call } = await setup();
    await call('noah', 'GET', '/api/v1/deals/424242/card').expect(404);
    const bad = await call('noah', 'GET', '/api/v1/deals/not-a-number/card').expect(400);
    expect(bad.body.error.details).toEqual([{ path: 'params.dealId', message: 'a HubSpot deal id (digits)' }]);
  });
});

describe('requesting approval', () => {
  it('opens a pending request on the routed steps, once per idempotency key, and answers a repeat byte for byte', async () => {
    const { db, portal, call } = await setup();
    const dealId = await seedDeal(portal, { discount_percent: '25' });
    const key = idempotencyKey();
    const first = await call('noah', 'POST', `/api/v1/deals/${dealId}/requests`, { justification: 'Competitive pressure', idempotencyKey: key }).expect(201);
    const answer = RequestAnswer.parse(first.body);
    expect(answer.request).toMatchObject({ state: 'pending', routeId: 'standard', requester: 'noah.king@acme.example', version: 1, currentStepIndex: 0 });
    expect(answer.request.steps[0]).toMatchObject({ status: 'active', waitingOn: ['ben.carter@acme.example', 'bella.diaz@acme.example'], dueAt: '2026-11-28T09:00:00.000Z' });
    expect(first.headers['idempotent-replayed']).toBe('false');

    const again = await call('noah', 'POST', `/api/v1/deals/${dealId}/requests`, { justification: 'Competitive pressure', idempotencyKey: key }).expect(201);
    expect(again.text).toBe(first.text);
    expect(again.headers['content-type']).toBe(first.headers['content-type']);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(await db('approval_requests').where({ portal_id: portal.portalId, deal_id: dealId }).count()).toEqual([{ count: '1' }]);
  });

  it('a decision whose trace cannot be appended changes nothing, answers 500, and can be made again once it can', async () => {
    const { db, portal, call } = await setup();
    const dealId = await seedDeal(portal, { discount_percent: '25' });
    const opened = RequestAnswer.parse((await call('noah', 'POST', `/api/v1/deals/${dealId}/requests`, { justification: 'Competitive pressure', idempotencyKey: idempotencyKey() }).expect(201)).body);
    // As a superuser test step: the trace table refuses this deal's decision rows for a while.
    await db.raw(`CREATE FUNCTION test_refuse_trace() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.kind = 'decision' AND NEW.deal_id = '${dealId}' THEN RAISE EXCEPTION 'test: trace refused'; END IF; RETURN NEW; END $$`);
    await db.raw('CREATE TRIGGER test_refuse_trace BEFORE INSERT ON traces FOR EACH ROW EXECUTE FUNCTION test_refuse_trace()');
    const key = idempotencyKey();
    try {
      await call('ben', 'POST', `/api/v1/requests/${opened.request.id}/decisions`, { verdict: 'approve', comment: 'fine', idempotencyKey: key }).expect(500);
      expect(await db('decisions').where({ request_id: opened.request.id }).count()).toEqual([{ count: '0' }]);
      expect((await db('approval_requests').where({ id: opened.request.id }).first<{ state: string }>('state'))?.state).toBe('pending');
      expect(await db('idempotency_keys').where({ portal_id: portal.portalId, key }).count()).toEqual([{ count: '0' }]);
    } finally {
      await db.raw('DROP TRIGGER test_refuse_trace ON traces');
      await db.raw('DROP FUNCTION test_refuse_trace()');
    }
    const retried = await call('ben', 'POST', `/api/v1/requests/${opened.request.id}/decisions`, { verdict: 'approve', comment: 'fine', idempotencyKey: key }).expect(200);
    expect(RequestAnswer.parse(retried.body).request.state).toBe('approved');
    expect(await db('decisions').where({ request_id: opened.request.id }).count()).toEqual([{ count: '1' }]);
    expect(await verifyChain(db, portal.portalId)).toMatchObject({ ok: true });
  });

  it('a request and a decision that Postgres aborts once as a deadlock are made on the second try, once each', async () => {
    const { db, portal, call } = await setup();
    const dealId = await seedDeal(portal, { discount_percent: '25' });
    // As a superuser test step: the first transition and the first decision trace of this deal fail as a deadlock would.
    await db.raw('CREATE SEQUENCE test_deadlock_transition; CREATE SEQUENCE test_deadlock_decision');
    await db.raw(`CREATE FUNCTION test_deadlock_once() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.deal_id = '${dealId}' AND NEW.kind IN ('transition', 'decision') AND nextval('test_deadlock_' || NEW.kind) = 1 THEN
          RAISE EXCEPTION 'test: deadlock detected' USING ERRCODE = '40P01';
        END IF;
        RETURN NEW;
      END $$`);
    await db.raw('CREATE TRIGGER test_deadlock_once BEFORE INSERT ON traces FOR EACH ROW EXECUTE FUNCTION test_deadlock_once()');
    try {
      const opened = RequestAnswer.parse((await call('noah', 'POST', `/api/v1/deals/${dealId}/requests`, { justification: 'Competitive pressure', idempotencyKey: idempotencyKey() }).expect(201)).body);
      const decided = await call('ben', 'POST', `/api/v1/requests/${opened.request.id}/decisions`, { verdict: 'approve', idempotencyKey: idempotencyKey() }).expect(200);
      expect(RequestAnswer.parse(decided.body).request.state).toBe('approved');
      expect(await db('approval_requests').where({ deal_id: dealId }).count()).toEqual([{ count: '1' }]);
      expect(await db('decisions').where({ request_id: opened.request.id }).count()).toEqual([{ count: '1' }]);
      expect((await db.raw<{ rows: { last_value: string }[] }>('SELECT last_value FROM test_deadlock_decision')).rows[0]?.last_value).toBe('2');
    } finally {
      await db.raw('DROP TRIGGER test_deadlock_once ON traces');
      await db.raw('DROP FUNCTION test_deadlock_once()');
      await db.raw('DROP SEQUENCE test_deadlock_transition; DROP SEQUENCE test_deadlock_decision');
    }
    expect(await verifyChain(db, portal.portalId)).toMatchObject({ ok: true });
  });

  it('a decision Postgres fails as unavailable answers 503 at once: tried once, nothing of it written', async () => {
    const { db } = database();
    const { source, users } = crowdPolicy(2, 'all');
    const portal = await seedPortal(db, { policySource: source, users });
    const { app, clock } = buildTestApp(db);
    const call = (who: string, method: 'POST', path: string, body?: unknown) => callApi(app, clock, portal.as(who), method, path, body);
    const dealId = await seedDeal(portal, { hubspot_owner_id: '900' });
    const opened = RequestAnswer.parse((await call('rep', 'POST', `/api/v1/deals/${dealId}/requests`, { justification: 'two', idempotencyKey: idempotencyKey() }).expect(201)).body);
    // The failing decision follows one made through the same app: an earlier act sends the next one no other way.
    await call('approver0', 'POST', `/api/v1/requests/${opened.request.id}/decisions`, { verdict: 'approve', idempotencyKey: idempotencyKey() }).expect(200);
    // As a superuser test step: every decision trace of this deal fails as a session Postgres ends would, counted.
    await db.raw('CREATE SEQUENCE test_outage_attempts');
    await db.raw(`CREATE FUNCTION test_outage() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.kind = 'decision' AND NEW.deal_id = '${dealId}' THEN
          PERFORM nextval('test_outage_attempts');
          RAISE EXCEPTION 'test: terminating connection due to administrator command' USING ERRCODE = '57P01';
        END IF;
        RETURN NEW;
      END $$`);
    await db.raw('CREATE TRIGGER test_outage BEFORE INSERT ON traces FOR EACH ROW EXECUTE FUNCTION test_outage()');
    const key = idempotencyKey();
    try {
      const refused = await call('approver1', 'POST', `/api/v1/requests/${opened.request.id}/decisions`, { verdict: 'approve', idempotencyKey: key }).expect(503);
      expect(refused.headers['retry-after']).toBeDefined();
      expect(ErrorAnswer.parse(refused.body).error.code).toBe('unavailable');
      expect((await db.raw<{ rows: unknown[] }>('SELECT last_value, is_called FROM test_outage_attempts')).rows).toEqual([{ last_value: '1', is_called: true }]);
      expect(await db('decisions').where({ request_id: opened.request.id }).count()).toEqual([{ count: '1' }]);
      expect(await db('idempotency_keys').where({ portal_id: portal.portalId, key }).count()).toEqual([{ count: '0' }]);
    } finally {
      await db.raw('DROP TRIGGER test_outage ON traces');
      await db.raw('DROP FUNCTION test_outage()');
      await db.raw('DROP SEQUENCE test_outage_attempts');
    }
    const decided = await call('approver1', 'POST', `/api/v1/requests/${opened.request.id}/decisions`, { verdict: 'approve', idempotencyKey: key }).expect(200);
    expect(RequestAnswer.parse(decided.body).request.state).toBe('approved');
  });

  it('a decision takes the portal under the request\'s lock: a flag turned off behind the kept copy refuses it, and settings changed behind it apply', async () => {
    const { db, portal, call } = await setup();
    const dealId = await seedDeal(portal, { discount_percent: '25' });
    const opened = RequestAnswer.parse((await call('noah', 'POST', `/api/v1/deals/${dealId}/requests`, { justification: 'Competitive pressure', idempotencyKey: idempotencyKey() }).expect(201)).body);
    const otherDealId = await seedDeal(portal, { discount_percent: '25' });
    const other = RequestAnswer.parse((await call('noah', 'POST', `/api/v1/deals/${otherDealId}/requests`, { justification: 'Competitive pressure', idempotencyKey: idempotencyKey() }).expect(201)).body);
    await call('ben', 'GET', `/api/v1/deals/${dealId}/card`).expect(200); // kept: flag on, Slack off
    await db('portals').where({ id: portal.portalId }).update({ feature_flag: 'off' });
    const refused = await call('ben', 'POST', `/api/v1/requests/${opened.request.id}/decisions`, { verdict: 'approve', idempotencyKey: idempotencyKey() }).expect(403);
    expect(ErrorAnswer.parse(refused.body).error.message).toBe('approval-router is turned off for this portal');
    expect(await db('decisions').where({ request_id: opened.request.id }).count()).toEqual([{ count: '0' }]);

    // Shadow behind the copy's back: the decision counts, and nothing is queued for the deal.
    await db('portals').where({ id: portal.portalId }).update({ feature_flag: 'shadow' });
    await db('jobs').where({ portal_id: portal.portalId, kind: 'sync_deal' }).delete();
    await call('ben', 'POST', `/api/v1/requests/${opened.request.id}/decisions`, { verdict: 'approve', idempotencyKey: idempotencyKey() }).expect(200);
    expect(await db('jobs').where({ portal_id: portal.portalId, kind: 'sync_deal' }).count()).toEqual([{ count: '0' }]);

    // Slack turned on behind the copy's back: the next act tells Slack.
    await db('portals').where({ id: portal.portalId }).update({ feature_flag: 'on', settings: db.raw(`settings || '{"channels":{"slack":true}}'::jsonb`) });
    await call('noah', 'POST', `/api/v1/requests/${other.request.id}/withdraw`, { idempotencyKey: idempotencyKey() }).expect(200);
    expect(await db('jobs').where({ portal_id: portal.portalId, kind: 'notify_slack' }).count()).toEqual([{ count: '1' }]);
  });

  it('answers a repeated decision with the first answer byte for byte, trace hash and all, and decides once', async () => {
    const { db, portal, call } = await setup();
    const dealId = await seedDeal(portal, { discount_percent: '25' });
    const opened = RequestAnswer.parse((await call('noah', 'POST', `/api/v1/deals/${dealId}/requests`, { justification: 'Competitive pressure', idempotencyKey: idempotencyKey() }).expect(201)).body);
    const key = idempotencyKey();
    const first = await call('ben', 'POST', `/api/v1/requests/${opened.request.id}/decisions`, { verdict: 'approve', comment: 'fine', idempotencyKey: key }).expect(200);
    const answer = RequestAnswer.parse(first.body);
    expect(answer.request.state).toBe('approved');
    const trace = await db('traces').where({ portal_id: portal.portalId, request_id: opened.request.id, kind: 'decision' }).first<{ hash: string }>('hash');
    expect(answer.traceHash).toBe(trace?.hash);

    const again = await call('ben', 'POST', `/api/v1/requests/${opened.request.id}/decisions`, { verdict: 'approve', comment: 'fine', idempotencyKey: key }).expect(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.text).toBe(first.text);
    expect(again.headers['content-type']).toBe(first.headers['content-type']);
    expect(await db('decisions').where({ request_id: opened.request.id }).count()).toEqual([{ count: '1' }]);
    expect(await db('traces').where({ request_id: opened.request.id, kind: 'decision' }).count()).toEqual([{ count: '1' }]);
  });

  it('refuses a reused idempotency key with other content, and a second request while one is pending', async () => {
    const { portal, call } = await setup();
    const dealId = await seedDeal(portal, { discount_percent: '25' });
    const key = idempotencyKey();
    await call('noah', 'POST', `/api/v1/deals/${dealId}/requests`, { justification: 'one', idempotencyKey: key }).expect(201);
    await call('noah', 'POST', `/api/v1/deals/${dealId}/requests`, { justification: 'two', idempotencyKey: key }).expect(409);
    const second = await call('noah', 'POST', `/api/v1/deals/${dealId}/requests`, { justification: 'two', idempotencyKey: idempotencyKey() }).expect(409);
    expect(second.body.error.message).toMatch(/pending/);
  });

  it('answers 400 with the field paths of a bad body', async () => {
    const { portal, call } = await setup();
    const dealId = await seedDeal(portal);
    const response = await call('noah', 'POST', `/api/v1/deals/${dealId}/requests`, { justification: '', idempotencyKey: 'x', extra: 1 }).expect(400);
    const paths = ErrorAnswer.parse(response.body).error.details?.map((d) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['body.justification', 'body.idempotencyKey', 'body']));
  });

  it('approves automatically when the route says so', async () => {
    const { portal, call } = await setup();
    const dealId = await seedDeal(portal, { discount_percent: '0' });
    const response = await call('noah', 'POST', `/api/v1/deals/${dealId}/requests`, { justification: 'standard terms', idempotencyKey: idempotencyKey() }).expect(201);
    expect(response.body.request).toMatchObject({ state: 'auto_approved', routeId: 'auto', steps: [] });
  });
});

describe('deciding', () => {
  async function pendingRequest(discount = '25') {
    const context = await setup();
    const dealId = await seedDeal(context.portal, { discount_percent: discount });
    const response = await context.call('noah', 'POST', `/api/v1/deals/${dealId}/requests`, { justification: 'needed', idempotencyKey: idempotencyKey() }).expect(201);
    return { ...context, dealId, requestId: response.body.request.id as string };
  }

  it('when an approver in an any-step approves, the request is approved', async () => {
    const { call, requestId } = await pendingRequest();
    const response = await call('ben', 'POST', `/api/v1/requests/${requestId}/decisions`, { verdict: 'approve', comment: 'fine', idempotencyKey: idempotencyKey() }).expect(200);
    const { request } = RequestAnswer.parse(response.body);
    expect(request.state).toBe('approved');
    expect(request.steps[0]?.decisions).toEqual([expect.objectContaining({ approver: 'ben.carter@acme.example', verdict: 'approve', comment: 'fine', approverName: 'Ben Carter' })]);
  });

  it('a rejection needs a comment and ends the request', async () => {
    const { call, requestId } = await pendingRequest();
    const missing = await call('bella', 'POST', `/api/v1/requests/${requestId}/decisions`, { verdict: 'reject', idempotencyKey: idempotencyKey() }).expect(400);
    expect(missing.body.error.details).toEqual([{ path: 'body.comment', message: 'a comment is required to reject' }]);
    const rejected = await call('bella', 'POST', `/api/v1/requests/${requestId}/decisions`, { verdict: 'reject', comment: 'too deep', idempotencyKey: idempotencyKey() }).expect(200);
    expect(rejected.body.request.state).toBe('rejected');
  });

  it('forbids someone who is not an approver of the active step, and the requester', async () => {
    const { call, requestId } = await pendingRequest();
    await call('anna', 'POST', `/api/v1/requests/${requestId}/decisions`, { verdict: 'approve', idempotencyKey: idempotencyKey() }).expect(403);
    await call('noah', 'POST', `/api/v1/requests/${requestId}/decisions`, { verdict: 'approve', idempotencyKey: idempotencyKey() }).expect(403);
  });

  it('answers 409 for a stale version and for a decision on a closed request', async () => {
    const { call, requestId } = await pendingRequest();
    await call('ben', 'POST', `/api/v1/requests/${requestId}/decisions`, { verdict: 'approve', expectedVersion: 7, idempotencyKey: idempotencyKey() }).expect(409);
    await call('ben', 'POST', `/api/v1/requests/${requestId}/decisions`, { verdict: 'approve', expectedVersion: 1, idempotencyKey: idempotencyKey() }).expect(200);
    await call('bella', 'POST', `/api/v1/requests/${requestId}/decisions`, { verdict: 'approve', idempotencyKey: idempotencyKey() }).expect(409);
  });

  it('answers 404 for a request of another portal or none at all', async () => {
    const { call } = await pendingRequest();
    await call('ben', 'POST', '/api/v1/requests/00000000-0000-4000-8000-000000000000/decisions', { verdict: 'approve', idempotencyKey: idempotencyKey() }).expect(404);
  });

  it('stamps the decision\'s idempotency key with the service\'s clock, even a day ahead of the database\'s', async () => {
    const { db, portal, clock, call } = await setup();
    const databaseNow = (await db.raw<{ rows: { now: Date }[] }>('SELECT now() AS now')).rows[0]!.now;
    clock.set(new Date(databaseNow.getTime() + 86_400_000).toISOString());
    const dealId = await seedDeal(portal, { discount_percent: '25' });
    const opened = await call('noah', 'POST', `/api/v1/deals/${dealId}/requests`, { justification: 'needed', idempotencyKey: idempotencyKey() }).expect(201);
    clock.advanceHours(2);
    const key = idempotencyKey();
    await call('ben', 'POST', `/api/v1/requests/${opened.body.request.id as string}/decisions`, { verdict: 'approve', idempotencyKey: key }).expect(200);
    const stored = await db('idempotency_keys').where({ portal_id: portal.portalId, key }).first<{ created_at: Date }>('created_at');
    expect(stored.created_at.toISOString()).toBe(clock.now().toISOString());
  });

  it('the inbox lists what waits on an approver until they decide', async () => {
    const { call, requestId, dealId } = await pendingRequest();
    const before = InboxAnswer.parse((await call('bella', 'GET', '/api/v1/inbox').expect(200)).body);
    expect(before.items).toEqual([expect.objectContaining({ requestId, dealId, requester: 'noah.king@acme.example', stepLabel: 'manager' })]);
    expect(InboxAnswer.parse((await call('noah', 'GET', '/api/v1/inbox').expect(200)).body).items).toEqual([]);
    await call('bella', 'POST', `/api/v1/requests/${requestId}/decisions`, { verdict: 'approve', idempotencyKey: idempotencyKey() }).expect(200);
    expect((await call('bella', 'GET', '/api/v1/inbox').expect(200)).body.items).toEqual([]);
  });

  it('the card shows the approver the decide action and the requester withdraw', async () => {
    const { call, dealId } = await pendingRequest();
    const approverView = CardView.parse((await call('ben', 'GET', `/api/v1/deals/${dealId}/card`).expect(200)).body);
    expect(approverView.actions).toEqual({ request: false, withdraw: false, decide: true });
    const repView = CardView.parse((await call('noah', 'GET', `/api/v1/deals/${dealId}/card`).expect(200)).body);
    expect(repView.actions).toEqual({ request: false, withdraw: true, decide: false });
  });
});

describe('the latest request', () => {
  it('is the one made last, even in the same millisecond as the one before it', async () => {
    const { portal, call } = await setup();
    for (let i = 0; i < 8; i++) {
      const dealId = await seedDeal(portal, { discount_percent: '25' });
      const first = await call('noah', 'POST', `/api/v1/deals/${dealId}/requests`, { justification: 'first', idempotencyKey: idempotencyKey() }).expect(201);
      await call('noah', 'POST', `/api/v1/requests/${first.body.request.id}/withdraw`, { idempotencyKey: idempotencyKey() }).expect(200);
      const second = await call('noah', 'POST', `/api/v1/deals/${dealId}/requests`, { justification: 'second', idempotencyKey: idempotencyKey() }).expect(201);
      const view = CardView.parse((await call('noah', 'GET', `/api/v1/deals/${dealId}/card`).expect(200)).body);
      expect(view.request).toMatchObject({ id: second.body.request.id, state: 'pending', justification: 'second' });
    }
  });
});

describe('withdrawing', () => {
  it('only the requester withdraws, and only while pending', async () => {
    const { portal, call } = await setup();
    const dealId = await seedDeal(portal, { discount_percent: '25' });
    const { body } = await call('noah', 'POST', `/api/v1/deals/${dealId}/requests`, { justification: 'x', idempotencyKey: idempotencyKey() }).expect(201);
    const requestId = body.request.id as string;
    await call('ben', 'POST', `/api/v1/requests/${requestId}/withdraw`, { idempotencyKey: idempotencyKey() }).expect(403);
    const withdrawn = await call('noah', 'POST', `/api/v1/requests/${requestId}/withdraw`, { reason: 'customer paused', idempotencyKey: idempotencyKey() }).expect(200);
    expect(withdrawn.body.request).toMatchObject({ state: 'withdrawn', steps: [expect.objectContaining({ status: 'skipped', waitingOn: [] })] });
    await call('noah', 'POST', `/api/v1/requests/${requestId}/withdraw`, { idempotencyKey: idempotencyKey() }).expect(409);
  });
});

describe('a material change to an approved deal', () => {
  it('lets the approval stand when the discount falls to a lighter route, and asks again when it rises', async () => {
    const { db, portal, call } = await setup();
    // The demo endpoint changes a deal as a HubSpot edit does, followed by the same re-assessment; demo portals only.
    await db('portals').where({ id: portal.portalId }).update({ install_state: 'demo' });
    const dealId = await seedDeal(portal, { amount: '80000', discount_percent: '21', payment_terms: 'net_60' });
    const opened = RequestAnswer.parse((await call('noah', 'POST', `/api/v1/deals/${dealId}/requests`, { justification: 'Competitive pressure', idempotencyKey: idempotencyKey() }).expect(201)).body);
    expect(opened.request).toMatchObject({ routeId: 'standard', score: 45 });
    await call('ben', 'POST', `/api/v1/requests/${opened.request.id}/decisions`, { verdict: 'approve', idempotencyKey: idempotencyKey() }).expect(200);

    // 21% → 12%: the light route asks Noah's manager, Ben, whom the standard route already asked.
    const lowered = await call('noah', 'POST', `/api/v1/demo/deals/${dealId}/properties`, { properties: { discount_percent: '12' } }).expect(200);
    expect(lowered.body.outcome).toMatchObject({ kind: 'assessed', invalidated: false, assessment: { stands: true, after: { score: 25, routeId: 'light' } } });
    const card = CardView.parse((await call('noah', 'GET', `/api/v1/deals/${dealId}/card`).expect(200)).body);
    expect(card.request).toMatchObject({ id: opened.request.id, state: 'approved' });
    expect(card.preview?.routeId).toBe('light');

    // 12% → 35%: the score rises past what was approved.
    const raised = await call('noah', 'POST', `/api/v1/demo/deals/${dealId}/properties`, { properties: { discount_percent: '35' } }).expect(200);
    expect(raised.body.outcome).toMatchObject({ kind: 'assessed', invalidated: true, assessment: { stands: false, reason: 'discount_percent changed and the score rose from 45 to 60' } });
    const after = CardView.parse((await call('noah', 'GET', `/api/v1/deals/${dealId}/card`).expect(200)).body);
    expect(after.request).toMatchObject({ state: 'invalidated' });
    expect(after.actions.request).toBe(true);
  });
});
