// Unresolved risks queue follow-up tasks: an incident about a deal still open a day after it was recorded gets one
// task, for the deal's owner or else the policy's escalation target, made by the worker through the CRM port (the
// local CRM here) against a real Postgres; the settings page sees what was done.
import { describe, expect, it } from 'vitest';
import { IncidentListAnswer } from '../../src/contract/settings-api.js';
import { jobHandlers } from '../../server/jobs/handlers.js';
import { JobWorker } from '../../server/jobs/worker.js';
import { insertIncident } from '../../server/store/incidents.js';
import { queueIncidentFollowUps } from '../../server/use-cases/admin/incident-follow-ups.js';
import { buildTestApp, callApi } from '../support/app.js';
import { useTestDatabase } from '../support/db.js';
import { createTestLogger } from '../support/logger.js';
import { idempotencyKey, seedDeal, seedPortal } from '../support/factories.js';

const database = useTestDatabase();

describe('incident follow-ups', () => {
  it('give an incident left open a day one task for the deal owner, or the escalation target; never twice, never once resolved', async () => {
    const { db } = database();
    const portal = await seedPortal(db, { admins: ['dealdesk@acme.example'] });
    const { app, clock } = buildTestApp(db);
    const deps = { db, logger: createTestLogger().logger, crmFor: () => portal.crm, now: clock.now };
    const worker = new JobWorker(deps, { handlers: jobHandlers, random: () => 0.5 });
    const drain = async () => { while ((await worker.runOnce()) > 0) { /* drain */ } };
    const incident = (dealId: string, summary: string) => insertIncident(db, { portalId: portal.portalId, kind: 'sla_breach', dealId, summary, packet: {}, at: clock.now().toISOString() });

    const owned = await seedDeal(portal, { dealname: 'Owned deal' }); // owner 102: Noah King
    const orphan = await seedDeal(portal, { dealname: 'Orphan deal', hubspot_owner_id: null });
    const settled = await seedDeal(portal, { dealname: 'Settled deal' });
    const ownedIncident = await incident(owned, 'step "manager" passed its SLA');
    const orphanIncident = await incident(orphan, 'step "finance" passed its SLA');
    const settledIncident = await incident(settled, 'step "cro" passed its SLA');
    await callApi(app, clock, portal.as('dealdesk'), 'POST', `/api/v1/admin/incidents/${settledIncident}/resolve`, { note: 'called the CRO', idempotencyKey: idempotencyKey() }).expect(200);

    clock.advanceHours(23);
    expect(await queueIncidentFollowUps(deps, 24)).toBe(0);
    clock.advanceHours(1);
    expect(await queueIncidentFollowUps(deps, 24)).toBe(2);
    expect(await queueIncidentFollowUps(deps, 24)).toBe(0);
    await drain();

    expect(await portal.crm.tasks(portal.portalId, owned)).toEqual([expect.objectContaining({ subject: 'Open approval incident on Owned deal', body: expect.stringMatching(/^step &quot;manager&quot; passed its SLA<br><br>Recorded .* Resolve it in the app&#39;s settings/) })]);
    expect(await portal.crm.tasks(portal.portalId, orphan)).toEqual([expect.objectContaining({ subject: 'Open approval incident on Orphan deal' })]);
    expect(await portal.crm.tasks(portal.portalId, settled)).toEqual([]);

    const listed = IncidentListAnswer.parse((await callApi(app, clock, portal.as('dealdesk'), 'GET', '/api/v1/admin/incidents').expect(200)).body);
    const byId = new Map(listed.incidents.map((i) => [i.id, i]));
    expect(byId.get(ownedIncident)?.followUp).toMatchObject({ assignedTo: 'noah.king@acme.example', note: null, doneAt: clock.now().toISOString(), taskId: expect.any(String) });
    expect(byId.get(orphanIncident)?.followUp).toMatchObject({ assignedTo: 'dealdesk@acme.example', note: null });
    expect(byId.get(settledIncident)?.followUp).toBeNull();

    clock.advanceHours(48);
    expect(await queueIncidentFollowUps(deps, 24)).toBe(0);
  });

  it('write no task where the app is not on, and say so', async () => {
    const { db } = database();
    const portal = await seedPortal(db, { flag: 'shadow' });
    const { app, clock } = buildTestApp(db);
    const deps = { db, logger: createTestLogger().logger, crmFor: () => portal.crm, now: clock.now };
    const dealId = await seedDeal(portal);
    await insertIncident(db, { portalId: portal.portalId, kind: 'sla_breach', dealId, summary: 'late', packet: {}, at: clock.now().toISOString() });
    clock.advanceHours(25);
    expect(await queueIncidentFollowUps(deps, 24)).toBe(1);
    const worker = new JobWorker(deps, { handlers: jobHandlers, random: () => 0.5 });
    while ((await worker.runOnce()) > 0) { /* drain */ }
    expect(await portal.crm.tasks(portal.portalId, dealId)).toEqual([]);
    const listed = IncidentListAnswer.parse((await callApi(app, clock, portal.as('dealdesk'), 'GET', '/api/v1/admin/incidents').expect(200)).body);
    expect(listed.incidents[0]?.followUp).toMatchObject({ taskId: null, note: 'the app is shadow in this portal: it writes no tasks' });
  });
});
