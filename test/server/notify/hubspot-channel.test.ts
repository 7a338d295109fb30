// The HubSpot channel end to end on the demo portal's CRM (LocalCrm over Postgres): the API changes a request, the
// worker runs the channel's job, and the deal's tasks and timeline show what people were told.
import { describe, expect, it } from 'vitest';
import { jobHandlers } from '../../../server/jobs/handlers.js';
import { JobWorker } from '../../../server/jobs/worker.js';
import { enqueueJob } from '../../../server/store/jobs.js';
import { buildTestApp, callApi } from '../../support/app.js';
import { useTestDatabase } from '../../support/db.js';
import { idempotencyKey, SALES_POLICY_SOURCE, seedDeal, seedPortal } from '../../support/factories.js';
import { createTestLogger } from '../../support/logger.js';
import { decideOnRequest } from '../../../server/use-cases/requests/act-on-request.js';
import { requestApproval } from '../../../server/use-cases/requests/request-approval.js';
import { buildWebhookApp, drainJobs, minutesAfter, postWebhook, propertyChange } from '../webhooks-harness.js';

const database = useTestDatabase();

async function pendingRequest(options: { flag?: 'on' | 'shadow'; policySource?: string; justification?: string; startAt?: string } = {}) {
  const { db } = database();
  const portal = await seedPortal(db, { flag: options.flag ?? 'on', ...(options.policySource ? { policySource: options.policySource } : {}) });
  // The app's LocalCrm, on the app's clock: the one clock the API, the worker and the CRM's stamps all read.
  const { app, clock, crm } = buildTestApp(db);
  if (options.startAt) clock.set(options.startAt);
  const dealId = await seedDeal(portal, { discount_percent: '25', dealname: 'Initech renewal' });
  const opened = await callApi(app, clock, portal.as('noah'), 'POST', `/api/v1/deals/${dealId}/requests`, { justification: options.justification ?? 'Competitive swap', idempotencyKey: idempotencyKey() }).expect(201);
  const worker = new JobWorker({ db, logger: createTestLogger().logger, crmFor: () => crm, now: clock.now }, { handlers: jobHandlers, random: () => 0.5 });
  const drain = async () => {
    while ((await worker.runOnce()) > 0) { /* until nothing is due */ }
  };
  const requestId = opened.body.request.id as string;
  const tasks = () => crm.tasks(portal.portalId, dealId);
  const notes = () => crm.notes(portal.portalId, dealId);
  return { db, portal, app, clock, dealId, requestId, drain, tasks, notes };
}

const link = (portalId: string, dealId: string) => `https://app.hubspot.com/contacts/${portalId}/record/0-3/${dealId}`;

describe('the HubSpot channel', () => {
  it('gives each approver of a starting step a task on the deal, assigned to them, due at the SLA, saying what and why', async () => {
    const { portal, dealId, drain, tasks, notes } = await pendingRequest();
    await drain();
    const opened = await tasks();
    expect(opened.map((task) => [task.subject, task.ownerId, task.dueAt, task.completedAt])).toEqual([
      ['Approve or reject: Initech renewal', '111', '2026-11-28T09:00:00.000Z', undefined],
      ['Approve or reject: Initech renewal', '112', '2026-11-28T09:00:00.000Z', undefined],
    ]);
    expect(opened[0]!.body).toContain('noah.king@acme.example asks for your approval of Initech renewal');
    expect(opened[0]!.body).toMatch(/Score \d+, route &quot;standard&quot;\. Justification: Competitive swap/);
    expect(opened[0]!.body).toContain(link(portal.portalId, dealId));
    expect(await notes()).toEqual([expect.stringMatching(/^Approval requested by noah\.king@acme\.example for Initech renewal\. Score \d+, route &quot;standard&quot;\. Justification: Competitive swap<br>/)]);
  });

  it('writes bodies as HTML: what people typed is escaped, line breaks are <br>, the deal is a link', async () => {
    const { portal, app, clock, dealId, requestId, drain, tasks, notes } = await pendingRequest({ justification: 'Beat <img src=x onerror=alert(1)> & "Rival"\nsecond line' });
    await drain();
    await callApi(app, clock, portal.as('ben'), 'POST', `/api/v1/requests/${requestId}/decisions`, { verdict: 'approve', comment: '<b>Fine</b>\nit\'s ok', idempotencyKey: idempotencyKey() }).expect(200);
    await drain();
    const anchor = `<a href="${link(portal.portalId, dealId)}">${link(portal.portalId, dealId)}</a>`;
    const [approverTask, , repTask] = await tasks();
    expect(approverTask!.body).toContain('Justification: Beat &lt;img src=x onerror=alert(1)&gt; &amp; &quot;Rival&quot;<br>second line.');
    expect(approverTask!.body.endsWith(`Decide on the deal&#39;s approval card: ${anchor}`)).toBe(true);
    expect(repTask!.body).toBe(`Your approval request for Initech renewal was approved. Comments: ben.carter@acme.example (approve, step &quot;manager&quot;): &lt;b&gt;Fine&lt;/b&gt;<br>it&#39;s ok<br>${anchor}`);
    const [requested, decided] = await notes();
    expect(requested).toMatch(/Justification: Beat &lt;img src=x onerror=alert\(1\)&gt; &amp; &quot;Rival&quot;<br>second line<br><a href="/);
    expect(decided).toBe(`ben.carter@acme.example approved step &quot;manager&quot; of Initech renewal. Comment: &lt;b&gt;Fine&lt;/b&gt;<br>it&#39;s ok<br>${anchor}`);
    for (const body of [...(await tasks()).map((task) => task.body), ...(await notes())]) expect(body).not.toMatch(/<(img|b)\b/);
  });

  it('completes the step\'s tasks when it is decided, notes the decision with its comment, and tells the rep by task', async () => {
    const { portal, app, clock, requestId, drain, tasks, notes } = await pendingRequest();
    await drain();
    await callApi(app, clock, portal.as('ben'), 'POST', `/api/v1/requests/${requestId}/decisions`, { verdict: 'approve', comment: 'Margin holds', idempotencyKey: idempotencyKey() }).expect(200);
    await drain();
    const all = await tasks();
    expect(all.slice(0, 2).every((task) => task.completedAt)).toBe(true);
    expect(all.slice(2).map((task) => [task.subject, task.ownerId, task.completedAt])).toEqual([['Approval approved: Initech renewal', '102', undefined]]);
    expect(all[2]!.body).toContain('ben.carter@acme.example (approve, step &quot;manager&quot;): Margin holds');
    expect((await notes())[1]).toMatch(/^ben\.carter@acme\.example approved step &quot;manager&quot; of Initech renewal\. Comment: Margin holds<br>/);
  });

  it('stamps the step\'s tasks done by the service\'s clock, even a day ahead of the database\'s', async () => {
    const { db } = database();
    const databaseNow = (await db.raw<{ rows: { now: Date }[] }>('SELECT now() AS now')).rows[0]!.now;
    const { portal, app, clock, requestId, drain, tasks } = await pendingRequest({ startAt: new Date(databaseNow.getTime() + 86_400_000).toISOString() });
    await drain();
    clock.advanceHours(2);
    await callApi(app, clock, portal.as('ben'), 'POST', `/api/v1/requests/${requestId}/decisions`, { verdict: 'approve', idempotencyKey: idempotencyKey() }).expect(200);
    await drain();
    const decidedAt = clock.now().toISOString();
    expect((await tasks()).slice(0, 2).map((task) => [task.subject, task.completedAt])).toEqual([
      ['Approve or reject: Initech renewal', decidedAt],
      ['Approve or reject: Initech renewal', decidedAt],
    ]);
  });

  it('tells the rep with a note instead when the policy says so', async () => {
    const { portal, app, clock, requestId, drain, tasks, notes } = await pendingRequest({ policySource: `${SALES_POLICY_SOURCE}\nnotifications: { tellRepBy: note }\n` });
    await callApi(app, clock, portal.as('ben'), 'POST', `/api/v1/requests/${requestId}/decisions`, { verdict: 'reject', comment: 'Too deep', idempotencyKey: idempotencyKey() }).expect(200);
    await drain();
    // The request was decided before the channel ran: no task was opened for a step nobody waits on.
    expect(await tasks()).toEqual([]);
    // The two changes' jobs may run in either order; HubSpot orders a timeline by each note's timestamp.
    expect((await notes()).sort()).toEqual([
      expect.stringMatching(/^Approval requested by/),
      expect.stringMatching(/^For noah\.king@acme\.example: Your approval request for Initech renewal was rejected\. Comments: ben\.carter@acme\.example \(reject, step &quot;manager&quot;\): Too deep/),
      expect.stringMatching(/^ben\.carter@acme\.example rejected step &quot;manager&quot; of Initech renewal\. Comment: Too deep/),
    ]);
  });

  it('notes a withdrawal and completes the tasks it left', async () => {
    const { portal, app, clock, requestId, drain, tasks, notes } = await pendingRequest();
    await drain();
    await callApi(app, clock, portal.as('noah'), 'POST', `/api/v1/requests/${requestId}/withdraw`, { reason: 'Customer paused', idempotencyKey: idempotencyKey() }).expect(200);
    await drain();
    expect((await tasks()).map((task) => task.completedAt !== undefined)).toEqual([true, true]);
    expect((await notes())[1]).toMatch(/^noah\.king@acme\.example withdrew the approval request for Initech renewal\. Reason: Customer paused<br>/);
  });

  it('notes an escalation past the SLA and completes the tasks of the step it escalated past', async () => {
    const { clock, drain, tasks, notes } = await pendingRequest();
    await drain();
    clock.advanceHours(25);
    await drain();
    const all = await tasks();
    expect(all.filter((task) => task.subject.startsWith('Approve or reject')).map((task) => task.completedAt !== undefined)).toEqual([true, true]);
    expect(all.map((task) => task.subject)).toContain('Escalation: approval overdue on Initech renewal');
    expect(await notes()).toContainEqual(expect.stringMatching(/^Step &quot;manager&quot; of Initech renewal passed its SLA and was escalated to dealdesk@acme\.example\./));
  });

  it('notes an invalidation by a material change, and tells the rep with the reason', async () => {
    const { db } = database();
    const { app, clock, deps } = buildWebhookApp(db);
    const portal = await seedPortal(db);
    const dealId = await seedDeal(portal, { discount_percent: '20', dealname: 'Initech renewal' });
    const { body: { request: opened } } = await requestApproval(deps, portal.as('noah'), { dealId, justification: 'Competitive deal', idempotencyKey: idempotencyKey() });
    await decideOnRequest(deps, portal.as('ben'), { requestId: opened.id, verdict: 'approve', comment: 'Fine at 20', idempotencyKey: idempotencyKey() });
    await portal.crm.updateDeal(portal.portalId, dealId, { discount_percent: '30' });
    await postWebhook(app, clock, [propertyChange(portal.portalId, dealId, 'discount_percent', '30', minutesAfter(clock, 1))]).expect(200);
    await drainJobs(deps, portal.portalId);
    const worker = new JobWorker({ db, logger: createTestLogger().logger, crmFor: () => portal.crm, now: clock.now }, { handlers: jobHandlers, random: () => 0.5 });
    while ((await worker.runOnce()) > 0) { /* until nothing is due */ }

    const notes = await portal.crm.notes(portal.portalId, dealId);
    expect(notes).toContainEqual(expect.stringMatching(/^The approval request for Initech renewal no longer holds: /));
    const rep = (await portal.crm.tasks(portal.portalId, dealId)).filter((task) => task.subject.startsWith('Approval invalidated'));
    expect(rep.map((task) => [task.subject, task.ownerId])).toEqual([['Approval invalidated: Initech renewal', '102']]);
    expect(rep[0]!.body).toMatch(/^Your approval request for Initech renewal was invalidated\. \S.*[.!?] Comments: /);
    expect(rep[0]!.body).toContain('ben.carter@acme.example (approve, step &quot;manager&quot;): Fine at 20');
  });

  it('never writes a change twice, even when its job comes again', async () => {
    const { db, portal, clock, requestId, drain, tasks, notes } = await pendingRequest();
    await drain();
    const job = await db('jobs').where({ portal_id: portal.portalId, kind: 'hubspot_notify', key: `${requestId}:1` }).first<{ payload: unknown }>('payload');
    await enqueueJob(db, { portalId: portal.portalId, kind: 'hubspot_notify', key: `${requestId}:1`, payload: job.payload }, clock.now().toISOString());
    await drain();
    expect(await tasks()).toHaveLength(2);
    expect(await notes()).toHaveLength(1);
    expect(await db('jobs').where({ portal_id: portal.portalId, kind: 'hubspot_notify', state: 'done' }).count()).toEqual([{ count: '2' }]);
  });

  it('never writes a change twice when its job comes again after later changes closed its tasks', async () => {
    const { db, portal, app, clock, requestId, drain, tasks, notes } = await pendingRequest();
    await drain();
    await callApi(app, clock, portal.as('ben'), 'POST', `/api/v1/requests/${requestId}/decisions`, { verdict: 'approve', idempotencyKey: idempotencyKey() }).expect(200);
    await drain();
    const before = { tasks: await tasks(), notes: await notes() };
    expect(before.tasks.filter((task) => task.completedAt === undefined)).toHaveLength(1); // the rep's

    const opening = await db('jobs').where({ portal_id: portal.portalId, kind: 'hubspot_notify', key: `${requestId}:1` }).first<{ payload: unknown }>('payload');
    await enqueueJob(db, { portalId: portal.portalId, kind: 'hubspot_notify', key: `${requestId}:1`, payload: opening.payload }, clock.now().toISOString());
    await drain();
    expect(await tasks()).toEqual(before.tasks);
    expect(await notes()).toEqual(before.notes);
  });

  it('writes nothing in shadow mode', async () => {
    const { db, portal, drain, tasks, notes } = await pendingRequest({ flag: 'shadow' });
    await drain();
    expect(await tasks()).toEqual([]);
    expect(await notes()).toEqual([]);
    expect(await db('hubspot_writes').where({ portal_id: portal.portalId }).count()).toEqual([{ count: '0' }]);
  });
});
