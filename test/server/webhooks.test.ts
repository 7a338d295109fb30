import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { describe, expect, it, vi } from 'vitest';
import { run as runIncidents } from '../../server/commands/incidents.js';
import { jobBatchHandlers, jobHandlers } from '../../server/jobs/handlers.js';
import { JobWorker } from '../../server/jobs/worker.js';
import { decideOnRequest } from '../../server/use-cases/requests/act-on-request.js';
import { requestApproval } from '../../server/use-cases/requests/request-approval.js';
import { latestRequestForDeal } from '../../server/store/requests.js';
import { pruneWebhookEvents } from '../../server/store/inbox.js';
import { findPortal } from '../../server/store/portals.js';
import { onDealChanged } from '../../server/use-cases/webhooks/deal-changed.js';
import { processWebhookEvents } from '../../server/use-cases/webhooks/process-events.js';
import { MAX_FIELD_DEPTH } from '../../src/contract/webhook-events.js';
import { buildTestApp } from '../support/app.js';
import { useTestDatabase } from '../support/db.js';
import { idempotencyKey, newPortalId, seedDeal, seedPortal } from '../support/factories.js';
import { useProxiedDatabase } from '../support/tcp-proxy.js';
import { APP_ID, buildWebhookApp, drainJobs, minutesAfter, outcomes, postWebhook, propertyChange } from './webhooks-harness.js';

const database = useTestDatabase();

describe('POST /webhooks/hubspot: the edge', () => {
  it('refuses a delivery without a valid v3 signature with 401, and counts each refusal', async () => {
    const onSignatureFailure = vi.fn();
    const { app, clock } = buildWebhookApp(database().db, { onSignatureFailure });
    const portal = await seedPortal(database().db);
    const body = [propertyChange(portal.portalId, '1', 'amount', '1', clock.now())];

    await postWebhook(app, clock, body, { secret: 'not-the-client-secret' }).expect(401);
    await request(app).post('/webhooks/hubspot').send(body).expect(401);
    const signedThen = postWebhook(app, clock, body);
    clock.advanceHours(1); // the signature is now older than five minutes
    await signedThen.expect(401);

    expect(onSignatureFailure.mock.calls.map(([reason]) => reason as string)).toEqual(['mismatch', 'missing_signature', 'expired']);
    expect(await database().db('webhook_events').where({ portal_id: portal.portalId }).count<{ count: string }[]>('* as count')).toEqual([{ count: '0' }]);
  });

  it('refuses a delivery signed for another backend of the app, whatever Host or X-Forwarded-* headers it carries', async () => {
    const onSignatureFailure = vi.fn();
    const { app, clock } = buildWebhookApp(database().db, { onSignatureFailure });
    const portal = await seedPortal(database().db);
    const body = [propertyChange(portal.portalId, '1', 'amount', '1', clock.now())];

    await postWebhook(app, clock, body, { signedBaseUrl: 'http://evil.example', headers: { Host: 'evil.example' } }).expect(401);
    await postWebhook(app, clock, body, { signedBaseUrl: 'https://evil.example', headers: { Host: 'evil.example', 'X-Forwarded-Proto': 'https' } }).expect(401);
    await postWebhook(app, clock, body, { signedBaseUrl: 'https://evil.example', headers: { 'X-Forwarded-Host': 'evil.example', 'X-Forwarded-Proto': 'https' } }).expect(401);
    expect(onSignatureFailure.mock.calls.map(([reason]) => reason as string)).toEqual(['mismatch', 'mismatch', 'mismatch']);
    // Signed for this service's URL, the same batch is taken, whatever Host it came with.
    await postWebhook(app, clock, body, { headers: { Host: 'evil.example' } }).expect(200);
  });

  it('takes a signed batch of 100 events, and one of 1,000, whole', async () => {
    const { app, clock, deps } = buildWebhookApp(database().db);
    const portal = await seedPortal(database().db);
    const batch = (size: number, from: number) => Array.from({ length: size }, (_, i) => propertyChange(portal.portalId, String(from + i), 'amount', '1', clock.now()));
    expect((await postWebhook(app, clock, batch(100, 1)).expect(200)).body).toEqual({ received: 100, stored: 100, queued: 100, quarantined: 0 });
    expect((await postWebhook(app, clock, batch(1_000, 1_001)).expect(200)).body).toEqual({ received: 1_000, stored: 1_000, queued: 1_000, quarantined: 0 });
    expect(await deps.db('webhook_events').where({ portal_id: portal.portalId }).count<{ count: string }[]>('* as count')).toEqual([{ count: '1100' }]);
    await deps.db('jobs').where({ portal_id: portal.portalId }).delete(); // not to crowd a later test's claim
  });

  it('takes a batch of 100 events whose values are as long as HubSpot allows (65,536 characters)', async () => {
    const { app, clock, deps } = buildWebhookApp(database().db);
    const portal = await seedPortal(database().db);
    const long = '\u00e9\u4e2d'.repeat(32_768); // two and three UTF-8 bytes a character: about 16 MB in all
    const batch = Array.from({ length: 100 }, (_, i) => propertyChange(portal.portalId, String(i + 1), 'description', long, clock.now()));
    expect((await postWebhook(app, clock, batch).expect(200)).body).toMatchObject({ received: 100, stored: 100 });
    await deps.db('jobs').where({ portal_id: portal.portalId }).delete();
  });

  it('quarantines each malformed event with what is wrong and its JSON, stores the rest, and answers 200', async () => {
    const onQuarantined = vi.fn();
    const { app, clock, deps } = buildWebhookApp(database().db, { onQuarantined });
    const portal = await seedPortal(database().db);
    const portalId = portal.portalId;
    const { portalId: _dropped, ...withoutPortal } = propertyChange(portalId, '1', 'amount', '1', clock.now());
    const malformed = [
      withoutPortal,
      { ...propertyChange(portalId, '2', 'amount', '1', clock.now()), occurredAt: 'yesterday' },
      // Well-formed JSON numbers and ids past what a four-digit year, a Postgres bigint or an integer column can hold
      // (fast-check found these: test/reliability/webhook-fuzz.test.ts).
      { ...propertyChange(portalId, '3', 'amount', '1', clock.now()), occurredAt: Date.UTC(10000, 0, 1) },
      { ...propertyChange(portalId, '4', 'amount', '1', clock.now()), portalId: '99999999999999999999' },
      { ...propertyChange(portalId, '5', 'amount', '1', clock.now()), portalId: 1e21 },
      { ...propertyChange(portalId, '6', 'amount', '1', clock.now()), attemptNumber: 3e9 },
      { ...propertyChange(portalId, '7', 'amount', '1', clock.now()), occurredAt: 8.64e15 }, // a valid Date, year 275760
      // Text Postgres cannot store, in a known field and in one HubSpot might add (the inbox keeps the event whole).
      { ...propertyChange(portalId, '8', 'amount', '1', clock.now()), changeSource: 'CRM\ud800' },
      { ...propertyChange(portalId, '9', 'amount', '1', clock.now()), context: { note: 'a\u0000b' } },
      { ...propertyChange(portalId, '10', 'amount', '1', clock.now()), ...JSON.parse('{"__proto__": "a\\udc00b"}') as object }, // an own key
      // Past what an index entry of the inbox's dedupe key can hold, were it random text that does not compress.
      propertyChange(portalId, '11', randomBytes(2_000).toString('hex'), '1', clock.now()),
      // A key Postgres cannot store is named by its escape.
      { ...propertyChange(portalId, '14', 'amount', '1', clock.now()), ['odd\udc00key']: 1 },
      'not an event',
      null,
    ];
    const good = [propertyChange(portalId, '12', 'amount', '1', clock.now()), propertyChange(portalId, '13', 'amount', '1', clock.now())];
    const batch = [good[0], ...malformed, good[1]];
    const answer = await postWebhook(app, clock, batch).expect(200);
    expect(answer.body).toEqual({ received: 16, stored: 2, queued: 2, quarantined: 14 });
    expect(onQuarantined.mock.calls).toEqual([[14]]);
    expect(await deps.db('webhook_events').where({ portal_id: portalId }).orderBy('id').pluck('object_id')).toEqual(['12', '13']);

    const kept = await deps.db('webhook_quarantine').orderBy('batch_index').select<{ portal_id: string | null; batch_index: number; batch_size: number; problems: { path: string }[]; raw: string }[]>('*');
    expect(kept.map((row) => [row.batch_index, row.problems.map((problem) => problem.path).join(' ')])).toEqual([
      [1, 'portalId'], [2, 'occurredAt'], [3, 'occurredAt'], [4, 'portalId'], [5, 'portalId'], [6, 'attemptNumber'], [7, 'occurredAt'],
      [8, 'changeSource'], [9, 'context.note'], [10, '__proto__'], [11, 'propertyName'], [12, 'odd\\udc00key'], [13, ''], [14, ''],
    ]);
    expect(kept.every((row) => row.batch_size === 16)).toBe(true);
    // The portal is kept where it could be read; the event is kept as JSON text, escapes and all.
    expect(kept.map((row) => row.portal_id)).toEqual([null, portalId, portalId, null, null, portalId, portalId, portalId, portalId, portalId, portalId, portalId, null, null]);
    expect(kept.map((row) => JSON.parse(row.raw) as unknown)).toEqual(malformed);
    expect(kept[8]!.raw).toContain('"note":"a\\u0000b"');

    // HubSpot delivering the same batch again adds nothing.
    expect((await postWebhook(app, clock, batch).expect(200)).body).toEqual({ received: 16, stored: 0, queued: 0, quarantined: 0 });
    expect(onQuarantined).toHaveBeenCalledTimes(1);
  });

  it('refuses with 400 only a body that is not a JSON array', async () => {
    const { app, clock } = buildWebhookApp(database().db);
    for (const body of [{ not: 'an array' }, 'text', 42, null]) {
      const refused = await postWebhook(app, clock, body).expect(400);
      expect(refused.body.error.details).toEqual([expect.objectContaining({ path: 'body' })]);
    }
    expect((await postWebhook(app, clock, undefined, { text: '[{"eventId": 1,' }).expect(400)).body.error.message).toBe('the request body is not valid JSON');
    expect((await postWebhook(app, clock, []).expect(200)).body).toEqual({ received: 0, stored: 0, queued: 0, quarantined: 0 });
  });

  it('stores a genuine batch whose event carries an unknown field nested thousands deep, cutting that field off at a depth', async () => {
    const { db } = database();
    const { app, clock } = buildWebhookApp(db);
    const portal = await seedPortal(db);
    for (const depth of [3_000, 150_000]) {
      const deep = propertyChange(portal.portalId, '7001', 'amount', String(depth), clock.now());
      const beside = propertyChange(portal.portalId, '7002', 'amount', String(depth), clock.now());
      // Written as text: JSON.stringify itself overflows the stack on 150,000 levels.
      const text = `[${JSON.stringify(deep).slice(0, -1)},"extra":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}},${JSON.stringify(beside)}]`;
      const answer = await postWebhook(app, clock, undefined, { text });
      expect(answer.status, answer.text.slice(0, 300)).toBe(200);
      expect(answer.body).toMatchObject({ received: 2, stored: 2 });
      const stored = await db('webhook_events').where({ portal_id: portal.portalId, event_id: String(deep.eventId) }).first<{ payload: Record<string, unknown> }>();
      let kept: unknown = stored?.payload.extra;
      for (let level = 1; level < MAX_FIELD_DEPTH; level++) kept = (kept as { a: unknown }).a;
      expect(kept).toEqual({ a: `[cut off: nested deeper than ${MAX_FIELD_DEPTH} levels]` });
      expect(await db('webhook_events').where({ portal_id: portal.portalId, event_id: String(beside.eventId) }).first()).toBeDefined();
    }
  });

  it('stores and acknowledges events for unknown portals and unknown subscriptions, and queues nothing for them', async () => {
    const { app, clock, deps } = buildWebhookApp(database().db);
    const portal = await seedPortal(database().db);
    const unknownPortal = newPortalId();
    const response = await postWebhook(app, clock, [
      propertyChange(unknownPortal, '1', 'amount', '10', clock.now()),
      { ...propertyChange(portal.portalId, '2', 'email', 'a@b.c', clock.now()), subscriptionType: 'contact.propertyChange' },
    ]).expect(200);
    expect(response.body).toEqual({ received: 2, stored: 2, queued: 0, quarantined: 0 });
    expect(await outcomes(deps.db, unknownPortal)).toEqual(['portal_not_installed']);
    expect(await outcomes(deps.db, portal.portalId)).toEqual(['unsupported_subscription']);
    expect(await drainJobs(deps, portal.portalId)).toEqual([]);
  });

  it('stores a batch in the batch\'s order, weighing each event\'s portal as it is then', async () => {
    const { app, clock, deps } = buildWebhookApp(database().db);
    const live = await seedPortal(database().db);
    const gone = await seedPortal(database().db);
    await deps.db('portals').where({ id: gone.portalId }).update({ install_state: 'uninstalled' });
    const response = await postWebhook(app, clock, [
      propertyChange(live.portalId, '7', 'amount', '1', clock.now()),
      propertyChange(gone.portalId, '7', 'amount', '1', clock.now()),
      propertyChange(live.portalId, '3', 'amount', '2', clock.now()),
      propertyChange(live.portalId, '5', 'amount', '3', clock.now()),
    ]).expect(200);
    expect(response.body).toEqual({ received: 4, stored: 4, queued: 3, quarantined: 0 });
    expect(await outcomes(deps.db, gone.portalId)).toEqual(['portal_not_installed']);
    const stored = await deps.db('webhook_events').where({ portal_id: live.portalId }).orderBy('id').pluck('object_id');
    expect(stored).toEqual(['7', '3', '5']);
  });

  it('keeps each event once however often HubSpot delivers it, and processes it once', async () => {
    const { app, clock, deps } = buildWebhookApp(database().db);
    const portal = await seedPortal(database().db);
    const dealId = await seedDeal(portal);
    const event = propertyChange(portal.portalId, dealId, 'dealstage', 'presentationscheduled', clock.now());

    expect((await postWebhook(app, clock, [event, event]).expect(200)).body).toEqual({ received: 2, stored: 1, queued: 1, quarantined: 0 });
    // HubSpot's retry of the same event: a new attempt number, the same dedupe key.
    expect((await postWebhook(app, clock, [{ ...event, attemptNumber: 1 }]).expect(200)).body).toEqual({ received: 1, stored: 0, queued: 0, quarantined: 0 });
    // The same eventId for another property is another event: eventId alone is not unique.
    await postWebhook(app, clock, [{ ...event, propertyName: 'dealname', propertyValue: 'Renamed' }]).expect(200);

    expect(await drainJobs(deps, portal.portalId)).toEqual(['webhook_event', 'webhook_event']);
    expect(await outcomes(deps.db, portal.portalId)).toEqual(['stage_recorded', 'no_live_request']);
    const history = await deps.db('deal_stage_history').where({ portal_id: portal.portalId, deal_id: dealId }).select('stage');
    expect(history).toEqual([{ stage: 'presentationscheduled' }]);

    // Running the job again (a worker retry after a crash) changes nothing.
    const [first] = await deps.db('jobs').where({ portal_id: portal.portalId, kind: 'webhook_event' }).orderBy('id').select<{ payload: { webhookEventId: string } }[]>('payload');
    expect(await processWebhookEvents(deps, [first!.payload.webhookEventId])).toEqual(new Map());
    expect(await deps.db('deal_stage_history').where({ portal_id: portal.portalId, deal_id: dealId }).count<{ count: string }[]>('* as count')).toEqual([{ count: '1' }]);
  });

  it('does not act on a stage event older than the newest stage it knows, whatever order they arrive in', async () => {
    const { app, clock, deps } = buildWebhookApp(database().db);
    const portal = await seedPortal(database().db);
    const dealId = await seedDeal(portal);
    await postWebhook(app, clock, [propertyChange(portal.portalId, dealId, 'dealstage', 'presentationscheduled', minutesAfter(clock, 2))]).expect(200);
    await postWebhook(app, clock, [propertyChange(portal.portalId, dealId, 'dealstage', 'appointmentscheduled', minutesAfter(clock, 1))]).expect(200);
    await drainJobs(deps, portal.portalId);

    expect(await outcomes(deps.db, portal.portalId)).toEqual(['stage_recorded', 'stale_stage']);
    // The older stage is kept as history (where the deal stood before), newest first.
    const history = await deps.db('deal_stage_history').where({ portal_id: portal.portalId, deal_id: dealId }).orderBy('occurred_at', 'desc').pluck('stage');
    expect(history).toEqual(['presentationscheduled', 'appointmentscheduled']);
  });
});

describe('webhook events: material changes', () => {
  it('a material change arriving by webhook invalidates the approval when the score rises', async () => {
    const { app, clock, deps } = buildWebhookApp(database().db);
    const portal = await seedPortal(database().db);
    const dealId = await seedDeal(portal, { discount_percent: '20' });
    const { body: { request: opened } } = await requestApproval(deps, portal.as('noah'), { dealId, justification: 'Competitive deal', idempotencyKey: idempotencyKey() });
    await decideOnRequest(deps, portal.as('ben'), { requestId: opened.id, verdict: 'approve', idempotencyKey: idempotencyKey() });
    expect((await latestRequestForDeal(deps.db, portal.portalId, dealId))?.state).toBe('approved');

    // The rep raises the discount in HubSpot; HubSpot tells us, along with a change nobody routes on.
    await portal.crm.updateDeal(portal.portalId, dealId, { discount_percent: '30', dealname: 'Renamed' });
    await postWebhook(app, clock, [
      propertyChange(portal.portalId, dealId, 'dealname', 'Renamed', minutesAfter(clock, 1)),
      propertyChange(portal.portalId, dealId, 'discount_percent', '30', minutesAfter(clock, 1)),
    ]).expect(200);
    await drainJobs(deps, portal.portalId);

    expect(await outcomes(deps.db, portal.portalId)).toEqual(['not_material', 'invalidated']);
    expect((await latestRequestForDeal(deps.db, portal.portalId, dealId))?.state).toBe('invalidated');
    const traces = await deps.db('traces').where({ portal_id: portal.portalId, kind: 'change_assessment', deal_id: dealId }).count<{ count: string }[]>('* as count');
    expect(traces).toEqual([{ count: '1' }]);
  });

  it('assesses a material change against the request as it stands, when a decision moved it after the change was read', async () => {
    const { deps } = buildWebhookApp(database().db);
    const portal = await seedPortal(database().db);
    const dealId = await seedDeal(portal, { discount_percent: '20' });
    const { body: { request: opened } } = await requestApproval(deps, portal.as('noah'), { dealId, justification: 'Competitive deal', idempotencyKey: idempotencyKey() });
    // A webhook batch reads the deal's request with its events; an approval lands before the event is processed.
    const asRead = await latestRequestForDeal(deps.db, portal.portalId, dealId);
    await decideOnRequest(deps, portal.as('ben'), { requestId: opened.id, verdict: 'approve', idempotencyKey: idempotencyKey() });
    await portal.crm.updateDeal(portal.portalId, dealId, { discount_percent: '30' });

    const outcome = await onDealChanged(deps, (await findPortal(deps.db, portal.portalId))!, dealId, asRead);
    expect(outcome).toMatchObject({ kind: 'assessed', invalidated: true });
    const request = await latestRequestForDeal(deps.db, portal.portalId, dealId);
    expect(request?.state).toBe('invalidated');
    // The assessment's trace names the policy version the request was routed with.
    const trace = await deps.db('traces').where({ portal_id: portal.portalId, kind: 'change_assessment', deal_id: dealId }).first<{ policy_hash: string }>('policy_hash');
    const routedWith = await deps.db('policy_versions').where({ id: request!.policyVersionId }).first<{ hash: string }>('hash');
    expect(trace.policy_hash).toBe(routedWith.hash);
  });

  it('a material property reported at the value it was routed with is not assessed, read or traced; a different value is', async () => {
    const { app, clock, crm, deps } = buildWebhookApp(database().db);
    const portal = await seedPortal(database().db);
    const dealId = await seedDeal(portal, { discount_percent: '20' });
    await requestApproval(deps, portal.as('noah'), { dealId, justification: 'Competitive deal', idempotencyKey: idempotencyKey() });
    const assessments = async () => (await deps.db('traces').where({ portal_id: portal.portalId, kind: 'change_assessment', deal_id: dealId }).count<{ count: string }[]>('* as count'))[0]?.count;
    const dealReads = vi.spyOn(crm, 'getDeal');

    // Set to what it already was (an import or an API write of the same value): HubSpot still reports it.
    await postWebhook(app, clock, [propertyChange(portal.portalId, dealId, 'discount_percent', '20', minutesAfter(clock, 1))]).expect(200);
    await drainJobs(deps, portal.portalId);
    expect(await outcomes(deps.db, portal.portalId)).toEqual(['no_material_change']);
    expect(await assessments()).toBe('0');
    // The event says all there is to know: the deal is not read (in a HubSpot portal, a call saved from its budget).
    expect(dealReads).toHaveBeenCalledTimes(0);

    // A different value is a material change: assessed and traced (here the score rises, so it is invalidated).
    await portal.crm.updateDeal(portal.portalId, dealId, { discount_percent: '30' });
    await postWebhook(app, clock, [propertyChange(portal.portalId, dealId, 'discount_percent', '30', minutesAfter(clock, 2))]).expect(200);
    await drainJobs(deps, portal.portalId);
    expect(await outcomes(deps.db, portal.portalId)).toEqual(['no_material_change', 'invalidated']);
    expect(await assessments()).toBe('1');
    expect(dealReads).toHaveBeenCalledTimes(1);
  });

  it('ignores a change that our own app made (HubSpot names our app as the source)', async () => {
    const { app, clock, deps } = buildWebhookApp(database().db);
    const portal = await seedPortal(database().db);
    const dealId = await seedDeal(portal, { discount_percent: '20' });
    await requestApproval(deps, portal.as('noah'), { dealId, justification: 'Competitive deal', idempotencyKey: idempotencyKey() });
    await postWebhook(app, clock, [propertyChange(portal.portalId, dealId, 'discount_percent', '20', clock.now(), { changeSource: 'INTEGRATION', sourceId: APP_ID })]).expect(200);
    await drainJobs(deps, portal.portalId);
    expect(await outcomes(deps.db, portal.portalId)).toEqual(['own_write']);
    expect((await latestRequestForDeal(deps.db, portal.portalId, dealId))?.state).toBe('pending');
  });

  it('a deleted deal cancels its pending request', async () => {
    const { app, clock, deps } = buildWebhookApp(database().db);
    const portal = await seedPortal(database().db);
    const dealId = await seedDeal(portal, { discount_percent: '20' });
    await requestApproval(deps, portal.as('noah'), { dealId, justification: 'Competitive deal', idempotencyKey: idempotencyKey() });
    const deletion = { ...propertyChange(portal.portalId, dealId, 'x', 'x', clock.now()), subscriptionType: 'deal.deletion', propertyName: undefined, propertyValue: undefined };
    await postWebhook(app, clock, [deletion, { ...deletion, eventId: deletion.eventId + 1 }]).expect(200);
    await drainJobs(deps, portal.portalId);

    expect(await outcomes(deps.db, portal.portalId)).toEqual(['request_cancelled', 'no_open_request']);
    const request = await latestRequestForDeal(deps.db, portal.portalId, dealId);
    expect(request?.state).toBe('invalidated');
    expect(request?.lifecycle.history.at(-1)).toMatchObject({ type: 'request_invalidated', detail: 'the deal was deleted in HubSpot' });
  });

  it('the worker handles a whole batch at once, each event as it would alone, each deal\'s in order', async () => {
    const { app, clock, deps } = buildWebhookApp(database().db);
    const portal = await seedPortal(database().db);
    const open = async (dealId: string) => (await requestApproval(deps, portal.as('noah'), { dealId, justification: 'Competitive deal', idempotencyKey: idempotencyKey() })).body.request;
    const [changed, echoed, same, bare, deleted] = [await seedDeal(portal, { discount_percent: '20' }), await seedDeal(portal, { discount_percent: '20' }),
      await seedDeal(portal, { discount_percent: '20' }), await seedDeal(portal, { discount_percent: '20' }), await seedDeal(portal, { discount_percent: '20' })];
    const approved = await open(changed);
    await decideOnRequest(deps, portal.as('ben'), { requestId: approved.id, verdict: 'approve', idempotencyKey: idempotencyKey() });
    await open(echoed);
    await open(same);
    await open(deleted);
    await portal.crm.updateDeal(portal.portalId, changed, { discount_percent: '30', dealname: 'Renamed' });
    const deletion = { ...propertyChange(portal.portalId, deleted, 'x', 'x', clock.now()), subscriptionType: 'deal.deletion', propertyName: undefined, propertyValue: undefined };
    await postWebhook(app, clock, [
      propertyChange(portal.portalId, changed, 'dealname', 'Renamed', minutesAfter(clock, 1)),
      propertyChange(portal.portalId, echoed, 'discount_percent', '20', clock.now(), { changeSource: 'INTEGRATION', sourceId: APP_ID }),
      propertyChange(portal.portalId, changed, 'discount_percent', '30', minutesAfter(clock, 1)),
      propertyChange(portal.portalId, same, 'discount_percent', '20', minutesAfter(clock, 1)),
      propertyChange(portal.portalId, bare, 'discount_percent', '35', minutesAfter(clock, 1)),
      deletion,
      propertyChange(portal.portalId, changed, 'discount_percent', '30', minutesAfter(clock, 2)), // after the invalidation
    ]).expect(200);

    // One claim takes all seven, whatever else is due (earlier tests' jobs, the requests' notifications).
    const worker = new JobWorker(deps, { handlers: jobHandlers, batchHandlers: jobBatchHandlers, batchSize: 500 });
    await worker.runOnce();
    expect(await outcomes(deps.db, portal.portalId)).toEqual(['not_material', 'own_write', 'invalidated', 'no_material_change', 'no_live_request', 'request_cancelled', 'no_live_request']);
    expect(await deps.db('jobs').where({ portal_id: portal.portalId, kind: 'webhook_event' }).whereNot({ state: 'done' }).count()).toEqual([{ count: '0' }]);
    expect((await latestRequestForDeal(deps.db, portal.portalId, changed))?.state).toBe('invalidated');
    expect((await latestRequestForDeal(deps.db, portal.portalId, deleted))?.state).toBe('invalidated');
  });

  it('does nothing for a portal whose flag is off', async () => {
    const { app, clock, deps } = buildWebhookApp(database().db);
    const portal = await seedPortal(database().db, { flag: 'off' });
    const dealId = await seedDeal(portal);
    expect((await postWebhook(app, clock, [propertyChange(portal.portalId, dealId, 'dealstage', 'contractsent', clock.now())]).expect(200)).body.queued).toBe(0);
    expect(await outcomes(deps.db, portal.portalId)).toEqual(['flag_off']);
  });
});

describe('quarantined webhook events', () => {
  it('are counted in /metrics and listed by `approval-router incidents --quarantined`, each with its JSON', async () => {
    const { db, url } = database();
    const { app, clock } = buildTestApp(db);
    const portal = await seedPortal(db);
    const other = await seedPortal(db);
    const broken = { ...propertyChange(portal.portalId, '5', 'amount', '1', clock.now()), occurredAt: 'yesterday' };
    await postWebhook(app, clock, [propertyChange(portal.portalId, '4', 'amount', '1', clock.now()), broken, 17]).expect(200);
    await postWebhook(app, clock, [{ ...propertyChange(other.portalId, '6', 'amount', '1', clock.now()), objectId: 'six' }]).expect(200);
    const metrics = await request(app).get('/metrics').expect(200);
    expect(metrics.text).toMatch(/^approval_router_webhook_events_quarantined_total 3$/m);

    vi.stubEnv('DATABASE_URL', url);
    const printed = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      expect(await runIncidents(['--quarantined', '--portal', portal.portalId])).toBe(0);
      const listing = printed.mock.calls.map(([line]) => String(line));
      expect(listing).toEqual([expect.stringMatching(new RegExp(`^#(\\d+) .* portal ${portal.portalId} +event 2 of 3: occurredAt: .*expected number`))]);
      const id = /^#(\d+)/.exec(listing[0]!)![1]!;

      printed.mockClear();
      expect(await runIncidents(['--quarantined'])).toBe(0);
      // Newest first, from every portal, those whose portal could not be read included.
      expect(printed.mock.calls.slice(0, 3).map(([line]) => String(line).replace(/^#\d+ +\S+ +/, ''))).toEqual([
        expect.stringMatching(new RegExp(`^portal ${other.portalId} +event 1 of 1: objectId: expected a numeric id`)),
        expect.stringMatching(/^portal unreadable +event 3 of 3: .*expected object/),
        expect.stringMatching(new RegExp(`^portal ${portal.portalId} +event 2 of 3: occurredAt`)),
      ]);

      printed.mockClear();
      expect(await runIncidents(['--quarantined', '--id', id, '--json'])).toBe(0);
      const shown = JSON.parse(String(printed.mock.calls[0]![0])) as { raw: string; problems: { path: string }[]; batchIndex: number };
      expect(JSON.parse(shown.raw)).toEqual(broken);
      expect(shown).toMatchObject({ batchIndex: 1, problems: [{ path: 'occurredAt' }] });
      expect(await runIncidents(['--quarantined', '--id', id, '--portal', other.portalId])).toBe(1);
    } finally {
      printed.mockRestore();
      vi.unstubAllEnvs();
    }
  });
});

describe('the inbox\'s retention', () => {
  it('deletes processed and quarantined events past it, oldest first; an unprocessed one stays, and a redelivery within it is still a duplicate', async () => {
    const { db } = database();
    const { app, clock, deps } = buildWebhookApp(db);
    const portal = await seedPortal(db);
    const idle = await seedPortal(db);
    // Earlier than every other test's events in this database, which are then newer than the retention's cut.
    clock.set('2020-01-01T09:00:00.000Z');
    const old = [propertyChange(portal.portalId, '41', 'amount', '100', clock.now()), propertyChange(portal.portalId, '42', 'amount', '200', clock.now())];
    await postWebhook(app, clock, [...old, { ...propertyChange(portal.portalId, '43', 'amount', '1', clock.now()), occurredAt: 'yesterday' }]).expect(200);
    await postWebhook(app, clock, [propertyChange(idle.portalId, '44', 'amount', '1', clock.now())]).expect(200);
    await drainJobs(deps, portal.portalId); // the idle portal's event is never processed
    clock.advanceHours(29 * 24);
    const recent = propertyChange(portal.portalId, '45', 'amount', '300', clock.now());
    await postWebhook(app, clock, [recent]).expect(200);
    await drainJobs(deps, portal.portalId);
    const ours = () => db('webhook_events').whereIn('portal_id', [portal.portalId, idle.portalId]).orderBy('id');
    const stored = async () => (await ours().pluck<string[]>('event_id')).map(Number);

    expect(await pruneWebhookEvents(db, 30, clock.now())).toEqual({ events: 0, quarantined: 0 });
    await postWebhook(app, clock, [old[0]]).expect(200); // HubSpot delivers it again: still known
    expect(await stored()).toEqual([old[0]!.eventId, old[1]!.eventId, expect.any(Number), recent.eventId]);

    clock.advanceHours(2 * 24);
    expect(await pruneWebhookEvents(db, 30, clock.now(), 1)).toEqual({ events: 1, quarantined: 1 });
    expect(await pruneWebhookEvents(db, 30, clock.now())).toEqual({ events: 1, quarantined: 0 });
    expect(await pruneWebhookEvents(db, 30, clock.now())).toEqual({ events: 0, quarantined: 0 });
    expect(await ours().select('portal_id', 'event_id')).toEqual([
      { portal_id: idle.portalId, event_id: expect.anything() },
      { portal_id: portal.portalId, event_id: String(recent.eventId) },
    ]);
  });
});

describe('POST /webhooks/hubspot while the database is down', () => {
  const proxied = useProxiedDatabase(() => database().url, { poolMax: 2 });

  it('answers 503 (so HubSpot delivers again), never 200, and stores the retry once the database is back', async () => {
    const { app, clock } = buildWebhookApp(proxied.db());
    const portal = await seedPortal(database().db);
    const event = propertyChange(portal.portalId, '1', 'dealstage', 'presentationscheduled', clock.now());
    await postWebhook(app, clock, [propertyChange(portal.portalId, '2', 'dealname', 'warm the pool', clock.now())]).expect(200);

    await proxied.proxy().cut();
    const down = await postWebhook(app, clock, [event]);
    expect(down.status).toBe(503);
    expect(down.headers['retry-after']).toBe('5');

    await proxied.proxy().restore();
    await expect.poll(async () => (await postWebhook(app, clock, [{ ...event, attemptNumber: 1 }])).status, { timeout: 10_000 }).toBe(200);
    expect(await database().db('webhook_events').where({ portal_id: portal.portalId, object_id: '1' }).count<{ count: string }[]>('* as count')).toEqual([{ count: '1' }]);
  });
});
