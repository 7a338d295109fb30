// The last step of the card view: the facts and the evaluation as the card shows them. Who the viewer is to this
// deal, what they may do now and every notice the card carries are decided here, in one place.
import type { CardView, RoutePreview, ViewerRole } from '../../../src/contract/card-api.js';
import { stoppedDelegations, type StoppedDelegation } from '../../../src/directory/delegation-hops.js';
import type { EvaluationInput, EvaluationOutput } from '../../../src/evaluate.js';
import { activeStep, hasDecided } from '../../../src/lifecycle/waiting.js';
import type { AppendedTrace } from '../../store/traces.js';
import { namesFrom, presentRequest, presentRoute, presentScore } from '../present.js';
import { rollbackNotice, rolledBackFrom, type RolledBackFrom } from '../rollout/in-force.js';
import type { CardFacts } from './load-card-facts.js';

/** `viewerIs.admin`: whether the viewer administers the app in the portal (use-cases/admin/portal-admins.ts decides). */
export function presentCardView(
  facts: CardFacts, evaluation: { input: EvaluationInput; output: EvaluationOutput }, trace: AppendedTrace, viewerIs: { admin: boolean },
): CardView {
  const { portal, policy, viewer, directory } = facts;
  const { output } = evaluation;
  const names = namesFrom(directory);
  const preview = presentRoute(output.route, policy.document, names);
  explainStoppedDelegations(preview, stoppedDelegations(output.route, directory, evaluation.input.at ?? null));
  const rollback = rolledBackFrom(facts.lastRolledBack, policy);
  const { roles, actions, notices } = rolesActionsAndNotices(facts, output, rollback, viewerIs.admin);
  return {
    portalId: portal.id,
    dealId: facts.dealId,
    dealName: facts.deal.properties.dealname ?? null,
    mode: portal.featureFlag,
    policy: { version: policy.version, name: policy.name, hash: policy.hash, rolledBackFrom: rollback },
    viewer: { email: viewer.email, userId: viewer.userId, roles },
    score: presentScore(output.score, policy.document),
    preview,
    request: facts.request ? presentRequest(facts.request, facts.requestPolicy, names, facts.delegatedBy) : null,
    actions,
    notices,
    traceHash: trace.hash,
  };
}

/** The viewer's roles on this deal, the actions open to them, and the notices that explain the card's state. */
function rolesActionsAndNotices(
  facts: CardFacts, output: EvaluationOutput, rollback: RolledBackFrom | null, admin: boolean,
): Pick<CardView, 'actions' | 'notices'> & { roles: ViewerRole[] } {
  const { portal, viewer, request } = facts;
  const flag = portal.featureFlag;
  const pending = request?.state === 'pending' ? request : null;
  const step = pending ? activeStep(pending.lifecycle) : undefined;
  const asksViewer = step !== undefined && step.approvers.includes(viewer.email);
  const decided = step !== undefined && hasDecided(step, viewer.email);

  const roles: ViewerRole[] = [];
  if (request && request.lifecycle.requester === viewer.email) roles.push('requester');
  if (output.route.owner.email === viewer.email) roles.push('owner');
  if (pending?.lifecycle.steps.some((candidate) => candidate.approvers.includes(viewer.email))) roles.push('approver');
  if (admin) roles.push('admin');

  const notices: string[] = [];
  let canRequest = false;
  if (flag === 'off') notices.push('approval-router is turned off for this portal');
  else if (pending) notices.push('a request is already pending for this deal');
  else if (output.route.outcome.kind === 'unroutable') notices.push(`this deal cannot be routed: ${output.route.outcome.reason}`);
  else canRequest = true;
  if (asksViewer && decided) notices.push('you have already decided on this step');
  if (flag === 'shadow') notices.push('shadow mode: a preview; nothing is written to the deal and no stage is gated');
  if (flag === 'on' && facts.syncDeferredUntil) notices.push(syncDelayedNotice(facts.syncDeferredUntil));
  if (rollback) notices.push(rollbackNotice(facts.policy, rollback));

  return {
    roles,
    actions: {
      request: canRequest,
      withdraw: flag !== 'off' && pending !== null && pending.lifecycle.requester === viewer.email,
      decide: flag !== 'off' && asksViewer && !decided,
    },
    notices,
  };
}

/** The portal's day's HubSpot budget is spent: what the deal shows lags what is recorded here until the next day. */
function syncDelayedNotice(until: Date): string {
  const when = `${until.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  return `HubSpot sync delayed until ${when}: the portal's daily HubSpot budget is spent; approvals are recorded here and reach the deal then`;
}

/** Delegations go one hop; where the resolver stopped a chain, the approver's reason and the step's notes say so. */
function explainStoppedDelegations(preview: RoutePreview, stopped: StoppedDelegation[]): void {
  for (const hop of stopped) {
    const step = preview.steps.find((candidate) => candidate.id === hop.stepId);
    const approver = step?.approvers.find((candidate) => candidate.email === hop.approver);
    if (!step || !approver) continue;
    approver.reason = `${approver.reason}; ${hop.reason}`;
    step.notes.push(hop.reason);
  }
}
