// The HubSpot channel on the real HubSpotCrm and @hubspot/api-client, HubSpot answered by nock: what each change of
// a request sends (tasks with owner, due time and deal association; notes at the event's time; completions), that a
// change is never sent twice, and that a rate limit mid-change resumes where it stopped.
import { Client } from '@hubspot/api-client';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RetryLaterError } from '../../../server/errors.js';
import { HubSpotCrm } from '../../../server/hubspot/hubspot-crm.js';
import { NotificationPayloadSchema, type NotificationPayload } from '../../../server/use-cases/notify/notification-jobs.js';
import { HubSpotBudget, type BudgetLimits } from '../../../server/hubspot/hubspot-budget.js';
import { writeToHubSpot } from '../../../server/use-cases/notify/hubspot-channel.js';
import { buildTestApp, callApi } from '../../support/app.js';
import { useTestDatabase } from '../../support/db.js';
import { idempotencyKey, seedDeal, seedPortal } from '../../support/factories.js';
import { closeNetwork, HUBSPOT_API, ownerAnswer } from '../../support/hubspot.js';
import { createTestLogger } from '../../support/logger.js';

const database = useTestDatabase();
const TOKEN = 'CJSP-channel-access-token';

beforeAll(closeNetwork);
afterEach(() => { nock.cleanAll(); });
afterAll(() => { nock.enableNetConnect(); });

interface Sent { method: string; path: string; body: { properties: Record<string, string>; associations?: { to: { id: string }; types: { associationTypeId: number }[] }[] } }

/** HubSpot's owners, task and note endpoints; `answer(n)` may turn the n-th task create into an error. */
function serveHubSpot(answer: (taskCreate: number) => [number, unknown] | null = () => null) {
  const sent: Sent[] = [];
  let tasks = 0;
  const stamp = { createdAt: '2026-11-27T09:00:00Z', updatedAt: '2026-11-27T09:00:00Z', archived: false };
  nock(HUBSPOT_API, { reqheaders: { authorization: `Bearer ${TOKEN}` } }).persist()
    .get('/crm/v3/owners/').query(true)
    .reply(200, { results: [ownerAnswer({ id: '111', email: 'ben.carter@acme.example' }), ownerAnswer({ id: '112', email: 'Bella.Diaz@acme.example' }), ownerAnswer({ id: '102', email: 'noah.king@acme.example' })] })
    .post('/crm/v3/objects/tasks')
    .reply(async (req: Request) => {
      const body = await req.json() as Sent['body'];
      tasks += 1;
      const failure = answer(tasks);
      if (failure) return [failure[0], failure[1], { 'Content-Type': 'application/json' }];
      sent.push({ method: 'POST', path: '/tasks', body });
      return [201, { id: `task-${tasks}`, properties: body.properties, ...stamp }];
    })
    .patch(/^\/crm\/v3\/objects\/tasks\/[^/]+$/)
    .reply(async (req: Request) => {
      const body = await req.json() as Sent['body'];
      sent.push({ method: 'PATCH', path: new URL(req.url).pathname.replace('/crm/v3/objects', ''), body });
      return [200, { id: new URL(req.url).pathname.split('/').pop(), properties: body.properties, ...stamp }];
    })
    .post('/crm/v3/objects/notes')
    .reply(async (req: Request) => {
      const body = await req.json() as Sent['body'];
      sent.push({ method: 'POST', path: '/notes', body });
      return [201, { id: `note-${sent.length}`, properties: body.properties, ...stamp }];
    });
  return sent;
}

/** A world whose HubSpot calls spend a budget of `limits` (as the worker's do), or none. */
async function world(limits?: BudgetLimits, justification = 'Competitive swap') {
  const { db } = database();
  const portal = await seedPortal(db);
  const { app, clock } = buildTestApp(db, { crmFor: () => portal.crm });
  const dealId = await seedDeal(portal, { discount_percent: '25', dealname: 'Initech renewal' });
  const opened = await callApi(app, clock, portal.as('noah'), 'POST', `/api/v1/deals/${dealId}/requests`, { justification, idempotencyKey: idempotencyKey() }).expect(201);
  const requestId = opened.body.request.id as string;
  const hubspot = new HubSpotCrm({
    clientFor: () => Promise.resolve(new Client({ accessToken: TOKEN })), now: clock.now,
    ...(limits ? { budget: { gate: new HubSpotBudget({ db, limits, now: clock.now }), caller: 'background' as const } } : {}),
  });
  const deps = { db, logger: createTestLogger().logger, crmFor: () => hubspot, now: clock.now };
  /** The change to row version `version`, as its HubSpot channel job carries it. */
  const change = async (version: number): Promise<NotificationPayload> => {
    const job = await db('jobs').where({ portal_id: portal.portalId, kind: 'hubspot_notify', key: `${requestId}:${version}` }).first<{ payload: unknown }>('payload');
    return NotificationPayloadSchema.parse(job.payload) as NotificationPayload;
  };
  const send = async (version: number) => writeToHubSpot(deps, portal.portalId, await change(version));
  return { db, portal, app, clock, dealId, requestId, send };
}

describe('the HubSpot channel against HubSpot', () => {
  it('sends each approver a task and the deal a note, once, then completes the tasks and tells the rep when it is decided', async () => {
    const { portal, app, clock, dealId, requestId, send } = await world();
    const sent = serveHubSpot();
    await send(1);
    expect(sent.map((call) => `${call.method} ${call.path}`)).toEqual(['POST /notes', 'POST /tasks', 'POST /tasks']);
    const tasks = sent.filter((call) => call.path === '/tasks');
    expect(tasks.map((call) => [call.body.properties.hubspot_owner_id, call.body.properties.hs_timestamp, call.body.properties.hs_task_status, call.body.associations?.[0]?.to.id, call.body.associations?.[0]?.types[0]?.associationTypeId])).toEqual([
      ['111', '2026-11-28T09:00:00.000Z', 'NOT_STARTED', dealId, 216],
      ['112', '2026-11-28T09:00:00.000Z', 'NOT_STARTED', dealId, 216],
    ]);
    expect(tasks[0]!.body.properties.hs_task_subject).toBe('Approve or reject: Initech renewal');
    expect(tasks[0]!.body.properties.hs_task_body).toContain(`https://app.hubspot.com/contacts/${portal.portalId}/record/0-3/${dealId}`);
    const notes = sent.filter((call) => call.path === '/notes');
    expect(notes.map((call) => [call.body.properties.hs_timestamp, call.body.associations?.[0]?.types[0]?.associationTypeId])).toEqual([['2026-11-27T09:00:00.000Z', 214]]);
    expect(notes[0]!.body.properties.hs_note_body).toMatch(/^Approval requested by noah\.king@acme\.example for Initech renewal\. Score \d+, route &quot;standard&quot;\. Justification: Competitive swap/);

    await send(1); // the same change again: nothing more reaches HubSpot
    expect(sent).toHaveLength(3);

    clock.advanceHours(2);
    await callApi(app, clock, portal.as('bella'), 'POST', `/api/v1/requests/${requestId}/decisions`, { verdict: 'reject', comment: 'Too deep', idempotencyKey: idempotencyKey() }).expect(200);
    await send(2);
    const later = sent.slice(3);
    expect(later.filter((call) => call.method === 'PATCH').map((call) => [call.path, call.body.properties])).toEqual([
      ['/tasks/task-1', { hs_task_status: 'COMPLETED' }],
      ['/tasks/task-2', { hs_task_status: 'COMPLETED' }],
    ]);
    expect(later.filter((call) => call.path === '/notes').map((call) => [call.body.properties.hs_timestamp, call.body.properties.hs_note_body?.split('<br>')[0]])).toEqual([
      ['2026-11-27T11:00:00.000Z', 'bella.diaz@acme.example rejected step &quot;manager&quot; of Initech renewal. Comment: Too deep'],
    ]);
    const rep = later.filter((call) => call.method === 'POST' && call.path === '/tasks');
    expect(rep.map((call) => [call.body.properties.hs_task_subject, call.body.properties.hubspot_owner_id])).toEqual([['Approval rejected: Initech renewal', '102']]);
    expect(rep[0]!.body.properties.hs_task_body).toContain('bella.diaz@acme.example (reject, step &quot;manager&quot;): Too deep');

    await send(2);
    await send(1);
    expect(sent).toHaveLength(later.length + 3);
  });

  it('sends bodies HubSpot renders as HTML: typed markup escaped, line breaks as <br>, the deal as a link', async () => {
    const { portal, dealId, send } = await world(undefined, '<img src=x onerror=alert(1)> & "why"\nline two');
    const sent = serveHubSpot();
    await send(1);
    const url = `https://app.hubspot.com/contacts/${portal.portalId}/record/0-3/${dealId}`;
    const note = sent.find((call) => call.path === '/notes')!.body.properties.hs_note_body;
    expect(note).toMatch(/^Approval requested by noah\.king@acme\.example for Initech renewal\. Score \d+, route &quot;standard&quot;\. /);
    expect(note!.endsWith(`Justification: &lt;img src=x onerror=alert(1)&gt; &amp; &quot;why&quot;<br>line two<br><a href="${url}">${url}</a>`)).toBe(true);
    const task = sent.find((call) => call.path === '/tasks')!.body.properties.hs_task_body;
    expect(task).toContain('Justification: &lt;img src=x onerror=alert(1)&gt; &amp; &quot;why&quot;<br>line two.');
    expect(task!.endsWith(`approval card: <a href="${url}">${url}</a>`)).toBe(true);
    expect(`${note}${task}`).not.toContain('<img');
  });

  it('stops at a rate limit without spending an attempt, and resumes without writing again what was written', async () => {
    const { send } = await world();
    const sent = serveHubSpot((n) => (n === 2 ? [429, { status: 'error', message: 'You have reached your ten_secondly_rolling limit.', errorType: 'RATE_LIMIT', policyName: 'TEN_SECONDLY_ROLLING' }] : null));
    const stopped = await send(1).then(() => null, (error: unknown) => error);
    expect(stopped).toBeInstanceOf(RetryLaterError);
    expect(stopped).toMatchObject({ countsAsAttempt: false });
    await send(1);
    const owners = sent.filter((call) => call.path === '/tasks').map((call) => call.body.properties.hubspot_owner_id);
    expect(owners.sort()).toEqual(['111', '112']);
    expect(sent.filter((call) => call.path === '/notes')).toHaveLength(1);
  });

  it('spends the portal\'s HubSpot budget: out of tokens it waits without an attempt, then finishes what is left', async () => {
    const { clock, send } = await world({ perTenSeconds: 2, interactiveReserve: 0, daily: 1_000 });
    const sent = serveHubSpot();
    // The change needs four calls: its note, the owners, and a task for each of two approvers.
    const stopped = await send(1).then(() => null, (error: unknown) => error);
    expect(stopped).toBeInstanceOf(RetryLaterError);
    expect(stopped).toMatchObject({ countsAsAttempt: false, retryAfterSeconds: 5 });
    expect(sent.map((call) => call.path)).toEqual(['/notes']);
    // Each retry after the bucket refills goes on from the first write not yet recorded (reading the owners again).
    clock.advanceHours(10 / 3600);
    await expect(send(1)).rejects.toBeInstanceOf(RetryLaterError);
    expect(sent.map((call) => call.path)).toEqual(['/notes', '/tasks']);
    clock.advanceHours(10 / 3600);
    await send(1);
    expect(sent.map((call) => [call.path, call.body.properties.hubspot_owner_id])).toEqual([['/notes', undefined], ['/tasks', '111'], ['/tasks', '112']]);
  });
});
