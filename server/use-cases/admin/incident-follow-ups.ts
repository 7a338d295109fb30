// Unresolved risks do not wait for someone to open the settings page: an incident about a deal still open
// `incidentFollowUpHours` after it was recorded gets one task in HubSpot, for the deal's owner, or for the policy's
// escalation target when the deal has no owner the directory knows. Queued from the worker's housekeeping tick, each
// incident once (marked under its row lock); the job records what it did on the incident.
import { z } from 'zod';
import { normaliseEmail } from '../../../src/directory/email.js';
import { ENGINE_VERSION } from '../../../src/hash.js';
import { findIncident, markFollowUpsQueued, recordFollowUpDone } from '../../store/incidents.js';
import { enqueueJobs } from '../../store/jobs.js';
import { activePolicy } from '../../store/policies.js';
import { findPortal } from '../../store/portals.js';
import { appendTrace } from '../../store/traces.js';
import { escalationTargets } from '../sla/sla-timers.js';
import { htmlText } from '../notify/hubspot-html.js';
import { isoNow, type ServiceDeps } from '../deps.js';

export const IncidentFollowUpPayloadSchema = z.object({ incidentId: z.string() });
const BATCH = 100;
const TASK_DUE_MS = 24 * 3_600_000;

/** Queues a follow-up job for each incident about a deal open longer than `hours`; answers how many. */
export async function queueIncidentFollowUps(deps: ServiceDeps, hours: number): Promise<number> {
  const now = deps.now();
  const at = now.toISOString();
  const before = new Date(now.getTime() - hours * 3_600_000).toISOString();
  return deps.db.transaction(async (trx) => {
    const marked = await markFollowUpsQueued(trx, before, at, BATCH);
    await enqueueJobs(trx, marked.map((incident) => ({ portalId: incident.portalId, kind: 'incident_follow_up', key: incident.id, payload: { incidentId: incident.id } })), at);
    return marked.length;
  });
}

/** The follow-up job: one task for the deal's owner (or the escalation target), or a note saying why none. */
export async function followUpIncident(deps: ServiceDeps, portalId: string, payload: z.infer<typeof IncidentFollowUpPayloadSchema>): Promise<void> {
  const [portal, incident] = await Promise.all([findPortal(deps.db, portalId), findIncident(deps.db, portalId, payload.incidentId)]);
  if (!portal || !incident || incident.followUp?.doneAt) return;
  const done = async (result: { taskId: string | null; assignedTo: string | null; note: string | null }) => {
    const at = isoNow(deps);
    await deps.db.transaction(async (trx) => {
      await recordFollowUpDone(trx, portalId, incident.id, { at, ...result });
      await appendTrace(trx, {
        portalId, kind: 'incident', requestId: incident.requestId, dealId: incident.dealId,
        input: { command: 'follow_up', incident: incident.id, kind: incident.kind }, output: result, engineVersion: ENGINE_VERSION, occurredAt: at,
      });
    });
  };
  if (incident.resolvedAt) return done({ taskId: null, assignedTo: null, note: 'resolved before its follow-up was due' });
  if (!incident.dealId) return done({ taskId: null, assignedTo: null, note: 'the incident is about no deal' });
  if (portal.featureFlag !== 'on') return done({ taskId: null, assignedTo: null, note: `the app is ${portal.featureFlag} in this portal: it writes no tasks` });

  const crm = deps.crmFor(portal);
  const [deal, directory, policy] = await Promise.all([
    crm.getDeal(portalId, incident.dealId, ['dealname', 'hubspot_owner_id']), crm.getDirectory(portalId), activePolicy(deps.db, portalId),
  ]);
  if (!deal) return done({ taskId: null, assignedTo: null, note: `deal ${incident.dealId} is no longer in HubSpot` });
  const ownerId = deal.properties.hubspot_owner_id ?? null;
  const owner = ownerId ? directory.users.find((user) => user.ownerId === ownerId) : undefined;
  let assignee: { email: string; ownerId: string | undefined } | null = owner ? { email: normaliseEmail(owner.email), ownerId: owner.ownerId } : null;
  if (!assignee && policy) {
    const target = escalationTargets(policy.document, deal, directory, 'follow-up@approval-router')[0];
    const user = target ? directory.users.find((candidate) => normaliseEmail(candidate.email) === target) : undefined;
    if (target) assignee = { email: target, ownerId: user?.ownerId };
  }
  const name = deal.properties.dealname ?? `deal ${deal.id}`;
  const taskId = await crm.addTask(portalId, deal.id, {
    subject: `Open approval incident on ${name}`,
    body: htmlText(`${incident.summary}\n\nRecorded ${incident.createdAt} and still open. Resolve it in the app's settings (incident ${incident.id}) once handled.`),
    dueAt: new Date(deps.now().getTime() + TASK_DUE_MS),
    ...(assignee?.ownerId ? { ownerId: assignee.ownerId } : {}),
  });
  return done({ taskId, assignedTo: assignee?.email ?? null, note: assignee ? null : 'no owner and no escalation target: the task is unassigned' });
}
