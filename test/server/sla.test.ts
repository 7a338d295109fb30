import { describe, expect, it } from 'vitest';
import { JobWorker } from '../../server/jobs/worker.js';
import { jobHandlers } from '../../server/jobs/handlers.js';
import { SlaTimerPayloadSchema } from '../../server/use-cases/sla/sla-timer-jobs.js';
import { runSlaTimer } from '../../server/use-cases/sla/sla-timers.js';
import { RetryLaterError } from '../../server/errors.js';
import { verifyChain } from '../../server/store/traces.js';
import { buildTestApp, callApi } from '../support/app.js';
import { useTestDatabase } from '../support/db.js';
import { idempotencyKey, SALES_POLICY_SOURCE, seedDeal, seedPortal, type SeededPortal } from '../support/factories.js';
import { createTestLogger } from '../support/logger.js';

const database = useTestDatabase();

/** The reminder and escalation tasks on the deal (the HubSpot channel's tasks for the step and the rep aside). */
const slaTasks = async (portal: SeededPortal, dealId: string) => (await portal.crm.tasks(portal.portalId, dealId))
  .filter((task) => task.subject.startsWith('Approval waiting on you') || task.subject.startsWith('Escalation:'));

async function pendingRequest(flag: 'on' | 'shadow' = 'on', options: { startAt?: string; policySource?: string } = {}) {
  const { db } = database();
  const portal = await seedPortal(db, { flag, ...(options.policySource ? { policySource: options.policySource } : {}) });
  const { app, clock } = buildTestApp(db, { crmFor: () => portal.crm });
  if (options.startAt) clock.set(options.startAt);
  const dealId = await seedDeal(portal, { discount_percent: '25', dealname: 'Initech renewal' });
  const opened = await callApi(app, clock, portal.as('noah'), 'POST', `/api/v1/deals/${dealId}/requests`, { justification: 'x', idempotencyKey: idempotencyKey() }).expect(201);
  const worker = new JobWorker({ db, logger: createTestLogger().logger, crmFor: () => portal.crm, now: clock.now }, { handlers: jobHandlers, random: () => 0.5 });
  /** Runs every job due by the test's clock (the one clock the worker decides with). */
  const fire = async () => {
    while ((await worker.runOnce()) > 0) { /* drain */ }
  };
  return { db, portal, app, clock, worker, dealId, requestId: opened.body.request.id as string, fire };
}

describe('SLA timers', () => {
  it('are scheduled when a step starts: a reminder at three quarters of the SLA, the escalation at the due time', async () => {
    const { db, portal, requestId } = await pendingRequest();
    const timers = await db('jobs').where({ portal_id: portal.portalId, kind: 'sla_timer' }).orderBy('run_at').select<{ key: string; run_at: Date }[]>('key', 'run_at');
    expect(timers.map((t) => [t.key, t.run_at.toISOString()])).toEqual([
      [`${requestId}:0:remind`, '2026-11-28T03:00:00.000Z'],
      [`${requestId}:0:escalate`, '2026-11-28T09:00:00.000Z'],
    ]);
  });

  it('run on a fraction of an hour: a half-hour step is due, reminded and escalated in minutes, and shown as 0.5 h', async () => {
    const policySource = SALES_POLICY_SOURCE.replaceAll('slaHours: 24', 'slaHours: 0.5');
    const { db, portal, app, clock, dealId, requestId, fire } = await pendingRequest('on', { policySource });
    const timers = await db('jobs').where({ portal_id: portal.portalId, kind: 'sla_timer' }).orderBy('run_at').select<{ run_at: Date }[]>('run_at');
    expect(timers.map((t) => t.run_at.toISOString())).toEqual(['2026-11-27T09:22:30.000Z', '2026-11-27T09:30:00.000Z']);
    expect(await db('approval_steps').where({ request_id: requestId }).select('sla_hours', 'due_at')).toEqual([{ sla_hours: 0.5, due_at: new Date('2026-11-27T09:30:00.000Z') }]);

    const card = await callApi(app, clock, portal.as('noah'), 'GET', `/api/v1/deals/${dealId}/card`).expect(200);
    expect(card.body.request.steps[0]).toMatchObject({ slaHours: 0.5, dueAt: '2026-11-27T09:30:00.000Z' });

    clock.advanceHours(0.6);
    await fire();
    const incident = await db('incidents').where({ portal_id: portal.portalId, kind: 'sla_breach' }).first();
    expect(incident.summary).toMatch(/passed its 0.5 h SLA/);
  });

  it('remind the waiting approvers with a task on the deal', async () => {
    const { portal, clock, dealId, fire } = await pendingRequest();
    clock.advanceHours(19);
    await fire();
    const tasks = await slaTasks(portal, dealId);
    expect(tasks.map((t) => t.subject)).toEqual(['Approval waiting on you: Initech renewal', 'Approval waiting on you: Initech renewal']);
    // HubSpot renders a task's body as HTML: the text is escaped and the deal is a link.
    const url = `https://app.hubspot.com/contacts/${portal.portalId}/record/0-3/${dealId}`;
    expect(tasks[0]!.body).toBe(`noah.king@acme.example asked for approval (step &quot;manager&quot;). It is due 2026-11-28T09:00:00.000Z; approve or reject from the deal&#39;s approval card.<br><a href="${url}">${url}</a>`);
  });

  it('at the breach escalate: a task for the escalation target, an incident packet, a trace, and the card shows it', async () => {
    const { db, portal, app, clock, dealId, requestId, fire } = await pendingRequest();
    clock.advanceHours(25);
    await fire();
    const tasks = await slaTasks(portal, dealId);
    expect(tasks.map((t) => t.subject)).toContain('Escalation: approval overdue on Initech renewal');
    expect(tasks.find((t) => t.subject.startsWith('Escalation'))!.body).toMatch(/^Step &quot;manager&quot; has waited past its 24 h SLA on ben\.carter@acme\.example, bella\.diaz@acme\.example\. Please follow up\.<br><a href="https:/);
    const incident = await db('incidents').where({ portal_id: portal.portalId, kind: 'sla_breach' }).first();
    expect(incident.summary).toMatch(/passed its 24 h SLA waiting on ben.carter@acme.example, bella.diaz@acme.example; escalated to dealdesk@acme.example/);
    expect(incident.packet).toMatchObject({ request: { id: requestId }, escalatedTo: ['dealdesk@acme.example'], policy: { version: 1 } });
    expect(incident.packet.traceHashes.length).toBeGreaterThanOrEqual(3);
    expect(await db('traces').where({ portal_id: portal.portalId, kind: 'escalation' }).count()).toEqual([{ count: '1' }]);
    expect(await verifyChain(db, portal.portalId)).toMatchObject({ ok: true });

    const card = await callApi(app, clock, portal.as('noah'), 'GET', `/api/v1/deals/${dealId}/card`).expect(200);
    expect(card.body.request.state).toBe('pending');
    expect(card.body.request.steps[0].escalatedAt).toBe('2026-11-28T10:00:00.000Z');

    const listed = await callApi(app, clock, portal.as('dealdesk'), 'GET', '/api/v1/admin/incidents').expect(200);
    expect(listed.body.incidents[0]).toMatchObject({ kind: 'sla_breach', requestId });
    const one = await callApi(app, clock, portal.as('dealdesk'), 'GET', `/api/v1/admin/incidents/${listed.body.incidents[0].id}`).expect(200);
    expect(one.body.packet.waitingOn).toEqual(['ben.carter@acme.example', 'bella.diaz@acme.example']);
    await callApi(app, clock, portal.as('noah'), 'GET', '/api/v1/admin/incidents').expect(403);
  });

  it('complete the reminder tasks when the step is decided, and write each reminder once', async () => {
    const { db, portal, app, clock, dealId, requestId, fire } = await pendingRequest();
    clock.advanceHours(19);
    await fire();
    expect((await slaTasks(portal, dealId)).map((t) => [t.ownerId, t.completedAt])).toEqual([['111', undefined], ['112', undefined]]);
    // The timer again (a worker retry): no second reminder.
    const row = await db('jobs').where({ portal_id: portal.portalId, key: `${requestId}:0:remind` }).first();
    await runSlaTimer({ db, logger: createTestLogger().logger, crmFor: () => portal.crm, now: clock.now }, portal.portalId, SlaTimerPayloadSchema.parse(row.payload));
    expect(await slaTasks(portal, dealId)).toHaveLength(2);

    await callApi(app, clock, portal.as('ben'), 'POST', `/api/v1/requests/${requestId}/decisions`, { verdict: 'approve', idempotencyKey: idempotencyKey() }).expect(200);
    await fire();
    expect((await slaTasks(portal, dealId)).map((t) => t.completedAt !== undefined)).toEqual([true, true]);
  });

  it('keep the escalation task open while its step waits, and complete it when the request is withdrawn', async () => {
    const { portal, app, clock, dealId, requestId, fire } = await pendingRequest();
    clock.advanceHours(25);
    await fire();
    // The escalation's own change has run through the HubSpot channel: the reminders are done, the escalation is not.
    expect((await slaTasks(portal, dealId)).map((t) => [t.subject, t.completedAt !== undefined])).toEqual([
      ['Approval waiting on you: Initech renewal', true],
      ['Approval waiting on you: Initech renewal', true],
      ['Escalation: approval overdue on Initech renewal', false],
    ]);
    clock.advanceHours(1);
    await callApi(app, clock, portal.as('noah'), 'POST', `/api/v1/requests/${requestId}/withdraw`, { reason: 'Customer paused', idempotencyKey: idempotencyKey() }).expect(200);
    await fire();
    expect((await slaTasks(portal, dealId)).map((t) => t.completedAt !== undefined)).toEqual([true, true, true]);
  });

  it('a timer for a step already decided does nothing', async () => {
    const { db, portal, app, clock, dealId, requestId, fire } = await pendingRequest();
    await callApi(app, clock, portal.as('ben'), 'POST', `/api/v1/requests/${requestId}/decisions`, { verdict: 'approve', idempotencyKey: idempotencyKey() }).expect(200);
    clock.advanceHours(30);
    await fire();
    expect(await slaTasks(portal, dealId)).toEqual([]);
    expect(await db('incidents').where({ portal_id: portal.portalId }).count()).toEqual([{ count: '0' }]);
  });

  it('a timer that runs before its time puts itself back to its time and does nothing else', async () => {
    const { db, portal, clock, dealId, requestId } = await pendingRequest();
    const row = await db('jobs').where({ portal_id: portal.portalId, key: `${requestId}:0:escalate` }).first();
    clock.advanceHours(23);
    const deps = { db, logger: createTestLogger().logger, crmFor: () => portal.crm, now: clock.now };
    const early = await runSlaTimer(deps, portal.portalId, SlaTimerPayloadSchema.parse(row.payload)).then(() => null, (error: unknown) => error);
    expect(early).toBeInstanceOf(RetryLaterError);
    expect(early).toMatchObject({ retryAfterSeconds: 3600, countsAsAttempt: false });
    expect(await slaTasks(portal, dealId)).toEqual([]);
    expect(await db('incidents').where({ portal_id: portal.portalId }).count()).toEqual([{ count: '0' }]);
    expect(await db('traces').where({ portal_id: portal.portalId }).whereIn('kind', ['escalation', 'reminder']).count()).toEqual([{ count: '0' }]);
  });

  it('are due by the service\'s clock, even an hour behind the database\'s', async () => {
    const { db } = database();
    const databaseNow = (await db.raw<{ rows: { now: Date }[] }>('SELECT now() AS now')).rows[0]!.now;
    const { portal, clock, dealId, fire } = await pendingRequest('on', { startAt: new Date(databaseNow.getTime() - 3_600_000).toISOString() });
    clock.advanceHours(17.5); // the reminder is due at 18 h by the service's clock, 17 h by the database's
    await fire();
    expect(await slaTasks(portal, dealId)).toEqual([]);
    clock.advanceHours(7); // past the due time by the service's clock
    await fire();
    expect((await slaTasks(portal, dealId)).map((t) => t.subject)).toContain('Escalation: approval overdue on Initech renewal');
    expect(await db('incidents').where({ portal_id: portal.portalId, kind: 'sla_breach' }).count()).toEqual([{ count: '1' }]);
  });

  it('in shadow mode escalate and record, but create no task in the CRM', async () => {
    const { db, portal, clock, dealId, fire } = await pendingRequest('shadow');
    clock.advanceHours(25);
    await fire();
    expect(await slaTasks(portal, dealId)).toEqual([]);
    expect(await db('incidents').where({ portal_id: portal.portalId, kind: 'sla_breach' }).count()).toEqual([{ count: '1' }]);
  });
});
