// The HubSpot channel (always on): what a change of a request writes into the portal's CRM.
// - A step that starts gives each of its approvers a task, assigned to their owner id, due at the step's SLA, on
//   the deal, saying what is asked and why; the step's closing (decided, escalated past, the request withdrawn or
//   invalidated) completes the tasks it opened.
// - The request, each decision with its comment, a withdrawal, an invalidation and an escalation write a note on
//   the deal's timeline.
// - The request's end tells the rep: a task or a note, as the policy's notifications.tellRepBy says.
// The SLA timers' reminder and escalation tasks (use-cases/sla/) are recorded in the same place, under items named
// by slaTaskItem, and closed by the same pass: a reminder like a step task, an escalation task once its step closes.
// Every write is recorded (store/hubspot-writes.ts) under the request, the row version of the change and the item,
// and skipped when recorded: a retried or replayed job never writes twice. Closing reads the request as it stands
// now, not as the change left it, so jobs that run out of order still leave only the tasks of a waiting approver
// open. Every call spends the portal's one HubSpot budget (the adapter does). Nothing is written unless the portal's flag is on.
import { normaliseEmail } from '../../../src/directory/email.js';
import type { Directory } from '../../../src/directory/schema.js';
import type { ApprovalEvent, StepState } from '../../../src/lifecycle/types.js';
import { activeStep, waitingOn } from '../../../src/lifecycle/waiting.js';
import { tellRepBy } from '../../../src/policy/schema.js';
import type { Crm } from '../../crm/crm.js';
import { RetryLaterError } from '../../errors.js';
import { HubSpotApiError } from '../../hubspot/hubspot-errors.js';
import { closeHubSpotTask, recordHubSpotWrite, writesToReconcile, type HubSpotWrite } from '../../store/hubspot-writes.js';
import { findPortal, type Portal } from '../../store/portals.js';
import { findRequest, type StoredRequest } from '../../store/requests.js';
import { isoNow, type ServiceDeps } from '../deps.js';
import { htmlBody, htmlLink, htmlText } from './hubspot-html.js';
import type { NotificationPayload } from './notification-jobs.js';
import { policyDocument } from '../policy-document.js';

/** Where a person opens the deal in HubSpot. */
export const dealLink = (portalId: string, dealId: string) => `https://app.hubspot.com/contacts/${portalId}/record/0-3/${dealId}`;

/** The outcomes that end a request and are told to the rep (a withdrawal is the rep's own doing). */
const ENDINGS: ReadonlySet<ApprovalEvent['type']> = new Set(['request_approved', 'request_rejected', 'request_invalidated', 'request_expired']);

interface Planned {
  item: string;
  write: { kind: 'note'; body: string; at: string } | { kind: 'task'; subject: string; body: string; dueAt: string; approver: string; stepId: string };
}

/** Writes what the change in `payload` asks for, then completes the tasks nobody waits on any more. */
export async function writeToHubSpot(deps: ServiceDeps, portalId: string, payload: NotificationPayload): Promise<void> {
  const portal = await findPortal(deps.db, portalId);
  if (!portal || portal.installState === 'uninstalled' || portal.featureFlag !== 'on') return;
  const request = await findRequest(deps.db, portal.id, payload.requestId);
  if (!request) return;
  const crm = deps.crmFor(portal);
  const policy = await policyDocument(deps, deps.db, portal.id, request.policyVersionId);
  const plans = plan(portal, request, payload, policy ? tellRepBy(policy) : 'task');
  const recorded = await writesToReconcile(deps.db, portal.id, request.id, payload.version);
  const done = new Set(recorded.filter((w) => w.version === payload.version).map((w) => w.item));
  const todo = plans.filter((p) => !done.has(p.item));

  let owners: Map<string, string> | null = null;
  try {
    for (const { item, write } of todo) {
      if (write.kind === 'note') {
        await crm.addNote(portal.id, request.dealId, write.body, new Date(write.at));
        await recordHubSpotWrite(deps.db, portal.id, request.id, { version: payload.version, item, objectType: 'note', crmId: '', stepId: null, approver: null }, isoNow(deps));
        continue;
      }
      if (write.stepId !== '' && !stillWaiting(request, write.stepId, write.approver)) continue; // closed before its task was written
      if (!owners) {
        owners = ownerIds(await crm.getDirectory(portal.id));
      }
      const ownerId = owners.get(normaliseEmail(write.approver));
      const taskId = await crm.addTask(portal.id, request.dealId, { subject: write.subject, body: write.body, dueAt: new Date(write.dueAt), ...(ownerId ? { ownerId } : {}) });
      await recordHubSpotWrite(deps.db, portal.id, request.id, {
        version: payload.version, item, objectType: 'task', crmId: taskId, stepId: write.stepId || null, approver: write.approver,
      }, isoNow(deps));
    }
    // Tasks written just now are for approvers the request waits on, so the open tasks read before are all it may close.
    await closeFinishedTasks(deps, crm, request, recorded);
  } catch (error) {
    // A rate limit is HubSpot's answer, not the job's fault: wait it out without spending an attempt.
    if (error instanceof HubSpotApiError && error.hubspotStatus === 429) {
      throw new RetryLaterError(error.message, error.retryAfterSeconds ?? 10, { countsAsAttempt: false });
    }
    throw error;
  }
}

/** Whether the approver still has to act on the step: it is the request's active step, not escalated, and they have not decided. */
function stillWaiting(request: StoredRequest, stepId: string, approver: string): boolean {
  const step = activeStep(request.lifecycle);
  return !!step && step.id === stepId && !step.escalatedAt && waitingOn(request.lifecycle, step).includes(approver);
}

/** The item an SLA timer's task is recorded under: one per step and person, whatever the request's version. */
export const slaTaskItem = (timer: 'remind' | 'escalate', stepIndex: number, email: string) => `sla:${timer}:${stepIndex}:${email}`;

/** Whether a recorded task still has someone to act: an escalation task while its step is active, any other while its approver is waited on. */
function stillOpen(request: StoredRequest, task: HubSpotWrite & { stepId: string; approver: string }): boolean {
  if (task.item.startsWith('sla:escalate:')) return activeStep(request.lifecycle)?.id === task.stepId;
  return stillWaiting(request, task.stepId, task.approver);
}

/** Completes the recorded tasks of the request that nobody needs any more, by the request as it stands now. */
export async function completeFinishedTasks(deps: ServiceDeps, crm: Crm, portalId: string, requestId: string): Promise<void> {
  const request = await findRequest(deps.db, portalId, requestId);
  if (request) await closeFinishedTasks(deps, crm, request);
}

async function closeFinishedTasks(deps: ServiceDeps, crm: Crm, request: StoredRequest, recorded?: readonly HubSpotWrite[]): Promise<void> {
  const open = (recorded ?? await writesToReconcile(deps.db, request.portalId, request.id, null))
    .filter((w): w is HubSpotWrite & { stepId: string; approver: string } => w.objectType === 'task' && w.closedAt === null && w.stepId !== null && w.approver !== null);
  for (const task of open) {
    if (stillOpen(request, task)) continue;
    await crm.completeTask(request.portalId, task.crmId);
    await closeHubSpotTask(deps.db, request.portalId, request.id, task.crmId, isoNow(deps));
  }
}

function ownerIds(directory: Directory): Map<string, string> {
  const owners = new Map<string, string>();
  for (const user of directory.users) if (user.ownerId) owners.set(normaliseEmail(user.email), user.ownerId);
  return owners;
}

/** The notes and tasks the change's events ask for, each under an item name unique within the change; bodies are HTML (hubspot-html.ts). */
export function plan(portal: Pick<Portal, 'id'>, request: StoredRequest, payload: NotificationPayload, repBy: 'task' | 'note'): Planned[] {
  const deal = request.dealSnapshot.properties.dealname ?? `deal ${request.dealId}`;
  const link = dealLink(portal.id, request.dealId);
  const why = `Score ${request.score}, route "${request.routeId}". Justification: ${request.justification || '(none)'}`;
  const stepOf = (id: string | null): StepState | undefined => request.lifecycle.steps.find((step) => step.id === id);
  const plans: Planned[] = [];
  payload.events.forEach((event, index) => {
    const note = (body: string) => plans.push({ item: `${index}:note`, write: { kind: 'note', body: htmlBody(body, link), at: event.at } });
    switch (event.type) {
      case 'request_created':
        note(`Approval requested by ${event.actor ?? request.requesterEmail} for ${deal}. ${why}`);
        break;
      case 'step_started': {
        const step = stepOf(event.stepId);
        if (!step) break;
        for (const approver of step.approvers) {
          plans.push({
            item: `${index}:task:${approver}`,
            write: {
              kind: 'task', approver, stepId: step.id, dueAt: step.dueAt ?? event.at,
              subject: `Approve or reject: ${deal}`,
              body: `${htmlText(`${request.requesterEmail} asks for your approval of ${deal} (step "${step.id}", due ${step.dueAt ?? 'now'}). ${why}. Decide on the deal's approval card:`)} ${htmlLink(link)}`,
            },
          });
        }
        break;
      }
      case 'decision_recorded': {
        const decision = stepOf(event.stepId)?.decisions.find((d) => d.approver === event.actor && d.at === event.at);
        const verdict = event.detail === 'reject' ? 'rejected' : 'approved';
        note(`${event.actor ?? 'An approver'} ${verdict} step "${event.stepId ?? ''}" of ${deal}.${decision?.comment ? ` Comment: ${decision.comment}` : ''}`);
        break;
      }
      case 'request_withdrawn':
        note(`${event.actor ?? request.requesterEmail} withdrew the approval request for ${deal}.${event.detail ? ` Reason: ${event.detail}` : ''}`);
        break;
      case 'request_invalidated':
        note(`The approval request for ${deal} no longer holds: ${event.detail ?? 'the deal changed'}.`);
        break;
      case 'step_escalated':
        note(`Step "${event.stepId ?? ''}" of ${deal} passed its SLA and was escalated to ${event.detail || 'nobody'}.`);
        break;
      default:
        break;
    }
    if (ENDINGS.has(event.type)) {
      const outcome = outcomeText(request, event);
      if (repBy === 'note') {
        plans.push({ item: `${index}:rep`, write: { kind: 'note', body: htmlBody(`For ${request.requesterEmail}: ${outcome}`, link), at: event.at } });
      } else {
        plans.push({
          item: `${index}:rep`,
          write: { kind: 'task', approver: request.requesterEmail, stepId: '', dueAt: event.at, subject: `Approval ${outcomeWord(event)}: ${deal}`, body: htmlBody(outcome, link) },
        });
      }
    }
  });
  return plans;
}

function outcomeWord(event: ApprovalEvent): string {
  switch (event.type) {
    case 'request_approved': return 'approved';
    case 'request_rejected': return 'rejected';
    case 'request_expired': return 'expired';
    default: return 'invalidated';
  }
}

/** The outcome with every comment the approvers left, in the order they decided. */
function outcomeText(request: StoredRequest, event: ApprovalEvent): string {
  const deal = request.dealSnapshot.properties.dealname ?? `deal ${request.dealId}`;
  const comments = request.lifecycle.steps.flatMap((step) => step.decisions.filter((d) => d.comment).map((d) => `${d.approver} (${d.verdict}, step "${step.id}"): ${d.comment}`));
  const detail = event.type === 'request_invalidated' || event.type === 'request_expired' ? (event.detail ?? '').trim() : '';
  const reason = detail ? ` ${/[.!?]$/.test(detail) ? detail : `${detail}.`}` : '';
  return `Your approval request for ${deal} was ${outcomeWord(event)}.${reason}${comments.length ? ` Comments: ${comments.join('; ')}` : ''}`;
}
