// The card's whole story for one deal and one viewer: score and why, the route a request would take,
// the current request with its steps, and what this viewer may do now (with the reason when not).
import type { CardView, ViewerRole } from '../../src/contract/card-api.js';
import { delegationEpoch } from '../../src/directory/delegation-epoch.js';
import { evaluate } from '../../src/evaluate.js';
import { isAdmin } from '../store/portals.js';
import { policyById } from '../store/policies.js';
import { latestRequestForDeal, type StoredRequest } from '../store/requests.js';
import { isoNow, type ServiceDeps } from './deps.js';
import { loadDealContext, loadPortalAndPolicy, type Viewer } from './load-deal-context.js';
import { namesFrom, presentRequest, presentRoute, presentScore } from './present.js';
import { traceEvaluation } from './record-evaluation.js';
import { decisionDelegations } from './decision-delegations.js';

export async function getCardView(deps: ServiceDeps, viewer: Viewer, dealId: string): Promise<CardView> {
  const { portal, policy: activeVersion } = await loadPortalAndPolicy(deps, viewer.portalId);
  const [context, current] = await Promise.all([loadDealContext(deps, portal, dealId, activeVersion), latestRequestForDeal(deps.db, portal.id, dealId)]);
  const { policy, deal, directory } = context;
  const at = isoNow(deps);
  const input = { deal, policy: policy.document, directory, requester: viewer.email, at: directory.delegations?.length ? delegationEpoch(directory, at) : null };
  const output = evaluate(input);
  const [trace, requestPolicy, delegations] = await Promise.all([
    traceEvaluation(deps.db, portal.id, input, output, { dealId, occurredAt: at }),
    current && current.policyVersionId !== policy.id ? policyById(deps.db, portal.id, current.policyVersionId).then((version) => version?.document) : policy.document,
    current?.lifecycle.steps.some((step) => step.decisions.length > 0) ? decisionDelegations(deps.db, current.id) : new Map<string, string>(),
  ]);
  const names = namesFrom(directory);
  const request = current ? presentRequest(current, requestPolicy ?? policy.document, names, delegations) : null;

  const roles = rolesOf(viewer, current, output.route.owner.email, isAdmin(portal, viewer.email));
  const notices: string[] = [];
  const pending = current?.state === 'pending' ? current : null;
  const activeStep = pending ? pending.lifecycle.steps[pending.lifecycle.currentStep ?? -1] : undefined;
  const hasDecided = activeStep?.decisions.some((decision) => decision.approver === viewer.email) ?? false;

  let canRequest = false;
  if (portal.featureFlag === 'off') notices.push('approval-router is turned off for this portal');
  else if (pending) notices.push('a request is already pending for this deal');
  else if (output.route.outcome.kind === 'unroutable') notices.push(`this deal cannot be routed: ${output.route.outcome.reason}`);
  else canRequest = true;

  const canDecide = portal.featureFlag !== 'off' && activeStep !== undefined && activeStep.approvers.includes(viewer.email) && !hasDecided;
  if (activeStep && activeStep.approvers.includes(viewer.email) && hasDecided) notices.push('you have already decided on this step');
  const canWithdraw = portal.featureFlag !== 'off' && pending !== null && pending.lifecycle.requester === viewer.email;
  if (portal.featureFlag === 'shadow') notices.push('shadow mode: a preview; nothing is written to the deal and no stage is gated');

  return {
    portalId: portal.id,
    dealId,
    dealName: deal.properties.dealname ?? null,
    mode: portal.featureFlag,
    policy: { version: policy.version, name: policy.name, hash: policy.hash },
    viewer: { email: viewer.email, userId: viewer.userId, roles },
    score: presentScore(output.score, policy.document),
    preview: presentRoute(output.route, policy.document, names),
    request,
    actions: { request: canRequest, withdraw: canWithdraw, decide: canDecide },
    notices,
    traceHash: trace.hash,
  };
}

function rolesOf(viewer: Viewer, request: StoredRequest | null, ownerEmail: string | null, admin: boolean): ViewerRole[] {
  const roles: ViewerRole[] = [];
  if (request && request.lifecycle.requester === viewer.email) roles.push('requester');
  if (ownerEmail === viewer.email) roles.push('owner');
  if (request?.state === 'pending' && request.lifecycle.steps.some((step) => step.approvers.includes(viewer.email))) roles.push('approver');
  if (admin) roles.push('admin');
  return roles;
}
