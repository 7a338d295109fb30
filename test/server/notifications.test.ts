// Telling people a request changed: the change enqueues, with itself, one job for each channel the portal uses that
// has something to tell of it (use-cases/notify).
import { describe, expect, it } from 'vitest';
import { buildTestApp, callApi } from '../support/app.js';
import { useTestDatabase } from '../support/db.js';
import { idempotencyKey, seedDeal, seedPortal } from '../support/factories.js';

const database = useTestDatabase();

interface JobRow { kind: string; key: string; payload: { events: { type: string }[] } }

async function requestAndApprove(flag: 'on' | 'shadow') {
  const { db } = database();
  const portal = await seedPortal(db, { flag });
  const { app, clock } = buildTestApp(db, { crmFor: () => portal.crm });
  const dealId = await seedDeal(portal, { discount_percent: '25' });
  const opened = await callApi(app, clock, portal.as('noah'), 'POST', `/api/v1/deals/${dealId}/requests`, { justification: 'x', idempotencyKey: idempotencyKey() }).expect(201);
  const requestId = opened.body.request.id as string;
  await callApi(app, clock, portal.as('ben'), 'POST', `/api/v1/requests/${requestId}/decisions`, { verdict: 'approve', comment: 'fine', idempotencyKey: idempotencyKey() }).expect(200);
  const jobs = await db('jobs').where({ portal_id: portal.portalId }).whereIn('kind', ['hubspot_notify', 'notify_email', 'notify_slack'])
    .orderBy('id').select<JobRow[]>('kind', 'key', 'payload');
  return { requestId, jobs };
}

describe('notifications', () => {
  it('are a job a change for each channel it concerns, keyed by the request and its version, carrying the events the change added', async () => {
    const { requestId, jobs } = await requestAndApprove('on');
    const of = (kind: string) => jobs.filter((job) => job.kind === kind);
    // HubSpot notes every change; email asks the approvers of a step that starts; Slack is off by default.
    expect(of('hubspot_notify').map((job) => job.key)).toEqual([`${requestId}:1`, `${requestId}:2`]);
    expect(of('notify_email').map((job) => job.key)).toEqual([`${requestId}:1`]);
    expect(of('notify_slack')).toEqual([]);
    expect(of('hubspot_notify')[0]!.payload.events.map((event) => event.type)).toEqual(['request_created', 'step_started']);
    expect(of('hubspot_notify')[1]!.payload.events.map((event) => event.type)).toEqual(['decision_recorded', 'step_approved', 'request_approved']);
  });

  it('are never queued in shadow mode', async () => {
    const { jobs } = await requestAndApprove('shadow');
    expect(jobs).toEqual([]);
  });
});
