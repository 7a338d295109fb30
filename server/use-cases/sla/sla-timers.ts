// SLA timers: before a step's due time its waiting approvers get a reminder task; at the due time the step
// escalates: the policy's escalation target gets a task, an incident packet is stored, and both are traced.
// Both tasks are recorded like the HubSpot channel's (store/hubspot-writes.ts), once each, so a retried timer writes
// nothing twice and the channel completes them when the step closes.
// A timer for a step that is no longer the active one is stale and does nothing; one that runs before its time (a
// clock moved, a job claimed early) puts itself back to its time and does nothing else.
import { normaliseEmail } from '../../../src/directory/email.js';
import { hashJson, ENGINE_VERSION } from '../../../src/hash.js';
import { escalate } from '../../../src/lifecycle/escalate.js';
import { compilePolicy } from '../../../src/policy/compile-policy.js';
import type { Policy } from '../../../src/policy/schema.js';
import type { Directory } from '../../../src/directory/schema.js';
import type { Deal } from '../../../src/deal.js';
import type { NewTask } from '../../crm/crm.js';
import { hubspotWrites, recordHubSpotWrite } from '../../store/hubspot-writes.js';
import { findPortal } from '../../store/portals.js';
import { findRequest } from '../../store/requests.js';
import { appendTrace, requestTraceHashes } from '../../store/traces.js';
import { insertIncident } from '../../store/incidents.js';
import { RetryLaterError } from '../../errors.js';
import { waitingOn } from '../../../src/lifecycle/waiting.js';
import type { ServiceDeps } from '../deps.js';
import { completeFinishedTasks, dealLink, slaTaskItem } from '../notify/hubspot-channel.js';
import { htmlBody } from '../notify/hubspot-html.js';
import { applyTransition } from '../requests/apply-transition.js';
import { reminderAt, type SlaTimerPayload } from './sla-timer-jobs.js';
import { policyDocument } from '../policy-document.js';


export async function runSlaTimer(deps: ServiceDeps, portalId: string, { requestId, stepIndex, timer }: SlaTimerPayload): Promise<void> {
  const portal = await findPortal(deps.db, portalId);
  if (!portal || portal.installState === 'uninstalled') return;
  const request = await findRequest(deps.db, portal.id, requestId);
  if (!request || request.state !== 'pending' || request.lifecycle.currentStep !== stepIndex) return; // stale
  const step = request.lifecycle.steps[stepIndex];
  if (!step?.startedAt || !step.dueAt) return;
  const now = deps.now();
  const firesAt = timer === 'remind' ? reminderAt(step.startedAt, step.dueAt) : step.dueAt;
  const early = Date.parse(firesAt) - now.getTime();
  if (early > 0) throw new RetryLaterError(`${timer} timer ran before ${firesAt}`, Math.ceil(early / 1000), { countsAsAttempt: false });
  const crm = deps.crmFor(portal);
  const directory = await crm.getDirectory(portal.id);
  const owners = new Map(directory.users.map((user) => [normaliseEmail(user.email), user.ownerId]));
  const waiting = waitingOn(request.lifecycle, step);
  const dealName = request.dealSnapshot.properties.dealname ?? `deal ${request.dealId}`;
  const writeToCrm = portal.featureFlag === 'on';
  const link = dealLink(portal.id, request.dealId);
  const at = now.toISOString();
  const written = new Set(writeToCrm ? (await hubspotWrites(deps.db, portal.id, request.id)).map((write) => write.item) : []);
  const writeTask = async (timerKind: 'remind' | 'escalate', email: string, task: NewTask) => {
    const item = slaTaskItem(timerKind, stepIndex, email);
    if (written.has(item)) return;
    const crmId = await crm.addTask(portal.id, request.dealId, task);
    await recordHubSpotWrite(deps.db, portal.id, request.id, { version: request.rowVersion, item, objectType: 'task', crmId, stepId: step.id, approver: email }, at);
  };

  if (timer === 'remind') {
    if (writeToCrm) {
      for (const email of waiting) {
        const ownerId = owners.get(email);
        await writeTask('remind', email, {
          subject: `Approval waiting on you: ${dealName}`,
          body: htmlBody(`${request.requesterEmail} asked for approval (step "${step.id}"). It is due ${step.dueAt ?? 'soon'}; approve or reject from the deal's approval card.`, link),
          dueAt: new Date(step.dueAt ?? at), ...(ownerId ? { ownerId } : {}),
        });
      }
      // The step may have closed while the tasks were written, after the channel's pass for that change.
      await completeFinishedTasks(deps, crm, portal.id, requestId);
    }
    await appendTrace(deps.db, {
      portalId: portal.id, kind: 'reminder', requestId, dealId: request.dealId,
      input: { stepIndex, step: step.id, dueAt: step.dueAt }, output: { remindedApprovers: waiting, tasks: writeToCrm },
      policyHash: request.lifecycle.policyHash, engineVersion: ENGINE_VERSION, occurredAt: at,
    });
    return;
  }

  const policy = await policyDocument(deps, deps.db, portal.id, request.policyVersionId);
  const targets = policy ? escalationTargets(policy, request.dealSnapshot, directory, request.requesterEmail) : [];
  const escalated = await deps.db.transaction(async (trx) => {
    const locked = await findRequest(trx, portal.id, requestId, { forUpdate: true });
    if (!locked || locked.state !== 'pending' || locked.lifecycle.currentStep !== stepIndex) return false;
    const result = escalate(locked.lifecycle, { to: targets }, at);
    if (!result.ok) return false; // already escalated: nothing more to do
    const { rowVersion: version } = await applyTransition(trx, portal, locked, result.state, at);
    const traceHashes = await requestTraceHashes(trx, portal.id, requestId);
    const trace = await appendTrace(trx, {
      portalId: portal.id, kind: 'escalation', requestId, dealId: locked.dealId,
      input: { stepIndex, step: step.id, dueAt: step.dueAt, waitingOn: waiting }, output: { escalatedTo: targets, events: result.events, version },
      policyHash: locked.lifecycle.policyHash, engineVersion: ENGINE_VERSION, occurredAt: at,
    });
    await insertIncident(trx, {
      portalId: portal.id, kind: 'sla_breach', requestId, dealId: locked.dealId, at,
      summary: `step "${step.id}" of ${dealName} passed its ${step.slaHours} h SLA waiting on ${waiting.join(', ') || 'nobody'}; escalated to ${targets.join(', ') || 'nobody (no escalation target resolved)'}`,
      packet: {
        request: { id: locked.id, state: locked.state, requester: locked.requesterEmail, justification: locked.justification, score: locked.score, routeId: locked.routeId, createdAt: locked.createdAt },
        deal: { snapshot: locked.dealSnapshot, hash: hashJson(locked.dealSnapshot) },
        policy: { versionId: locked.policyVersionId, version: locked.policyVersion, hash: locked.lifecycle.policyHash },
        steps: result.state.steps.map((s) => ({ id: s.id, status: s.status, approvers: s.approvers, decisions: s.decisions, startedAt: s.startedAt, dueAt: s.dueAt, escalatedAt: s.escalatedAt })),
        waitingOn: waiting, escalatedTo: targets, traceHashes: [...traceHashes, trace.hash],
      },
    });
    return true;
  });
  if (escalated && writeToCrm) {
    for (const email of targets) {
      const ownerId = owners.get(email);
      await writeTask('escalate', email, {
        subject: `Escalation: approval overdue on ${dealName}`,
        body: htmlBody(`Step "${step.id}" has waited past its ${step.slaHours} h SLA on ${waiting.join(', ')}. Please follow up.`, link),
        dueAt: new Date(at), ...(ownerId ? { ownerId } : {}),
      });
    }
    await completeFinishedTasks(deps, crm, portal.id, requestId);
  }
}

/** Who the policy escalates to, resolved by the core exactly as a one-step route to that source would be. */
export function escalationTargets(policy: Policy, deal: Deal, directory: Directory, requester: string): string[] {
  if (!policy.escalation) return [];
  const synthetic: Policy = {
    name: `${policy.name} (escalation)`, scoring: { factors: [] },
    routes: [{ id: 'escalation', when: { always: true }, steps: [{ id: 'escalation', approvers: policy.escalation.to, mode: 'any', slaHours: 1 }] }],
    ...(policy.roles ? { roles: policy.roles } : {}),
  };
  const compiled = compilePolicy(synthetic);
  const route = compiled.route(deal, 0, directory, { requester });
  return route.outcome.kind === 'routed' ? route.outcome.steps[0]?.approvers ?? [] : [];
}
