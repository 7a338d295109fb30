// The card's whole story for one deal and one viewer: score and why, the route a request would take,
// the current request with its steps, and what this viewer may do now (with the reason when not). A staged candidate
// policy is evaluated in shadow beside the active one, and the card says when a rollback put the version in force.
import type { CardView, RoutePreview, ViewerRole } from '../../../src/contract/card-api.js';
import { delegationEpoch } from '../../../src/directory/delegation-epoch.js';
import { stoppedDelegations, type StoppedDelegation } from '../../../src/directory/delegation-hops.js';
import { evaluateRecordingErrors } from '../rollout/evaluation-errors.js';
import { rolledBackFrom, rollbackNotice } from '../rollout/in-force.js';
import { shadowEvaluate } from '../rollout/shadow-evaluation.js';
import { createCaches } from '../../cache/caches.js';
import { liveAt } from '../../store/portal-config.js';
import { isAdmin } from '../../store/portals.js';
import { latestRequestForView, type RequestSummary } from '../../store/requests.js';
import { isoNow, type ServiceDeps } from '../deps.js';
import { loadDealContext, type Viewer } from '../load-facts.js';
import { AppError } from '../../errors.js';
import { namesFrom, presentRequest, presentRoute, presentScore } from '../present.js';
import { traceEvaluation } from '../trace-evaluation.js';
import { activeStep, hasDecided } from '../../../src/lifecycle/waiting.js';

export async function getCardView(deps: ServiceDeps, viewer: Viewer, dealId: string): Promise<CardView> {
  const at = isoNow(deps);
  const { config, context, forView, cache } = await loadForView(deps, viewer.portalId, dealId, at);
  const { portal, candidate } = config;
  const current = forView.request;
  const { policy, deal, wideDeal, directory } = context;
  const input = { deal, policy: policy.document, directory, requester: viewer.email, at: directory.delegations?.length ? delegationEpoch(directory, at) : null };
  const output = await evaluateRecordingErrors(deps.db, { portalId: portal.id, policyVersionId: policy.id, dealId, source: 'card', at }, input);
  const [trace, requestPolicy] = await Promise.all([
    traceEvaluation(deps.db, portal.id, input, output, { dealId, occurredAt: at }),
    current && current.policyVersionId !== policy.id ? cache.policyDocuments.get(deps.db, portal.id, current.policyVersionId) : policy.document,
    candidate ? shadowEvaluate(deps.db, deps.logger, { portalId: portal.id, dealId, active: policy, candidate, input, output, wideDeal, source: 'card', at }) : null,
  ]);
  const delegations = forView.delegatedBy;
  const names = namesFrom(directory);
  const request = current ? presentRequest(current, requestPolicy ?? policy.document, names, delegations) : null;
  const preview = presentRoute(output.route, policy.document, names);
  explainStoppedDelegations(preview, stoppedDelegations(output.route, directory, input.at));
  const rollback = rolledBackFrom(config.lastRolledBack, policy);

  const roles = rolesOf(viewer, current, output.route.owner.email, isAdmin(portal, viewer.email));
  const notices: string[] = [];
  const pending = current?.state === 'pending' ? current : null;
  const step = pending ? activeStep(pending.lifecycle) : undefined;
  const decided = step !== undefined && hasDecided(step, viewer.email);

  let canRequest = false;
  if (portal.featureFlag === 'off') notices.push('approval-router is turned off for this portal');
  else if (pending) notices.push('a request is already pending for this deal');
  else if (output.route.outcome.kind === 'unroutable') notices.push(`this deal cannot be routed: ${output.route.outcome.reason}`);
  else canRequest = true;

  const asksViewer = step !== undefined && step.approvers.includes(viewer.email);
  const canDecide = portal.featureFlag !== 'off' && asksViewer && !decided;
  if (asksViewer && decided) notices.push('you have already decided on this step');
  const canWithdraw = portal.featureFlag !== 'off' && pending !== null && pending.lifecycle.requester === viewer.email;
  if (portal.featureFlag === 'shadow') notices.push('shadow mode: a preview; nothing is written to the deal and no stage is gated');
  if (portal.featureFlag === 'on' && forView.syncDeferredUntil) notices.push(syncDelayedNotice(forView.syncDeferredUntil));
  if (rollback) notices.push(rollbackNotice(policy, rollback));

  return {
    portalId: portal.id,
    dealId,
    dealName: deal.properties.dealname ?? null,
    mode: portal.featureFlag,
    policy: { version: policy.version, name: policy.name, hash: policy.hash, rolledBackFrom: rollback },
    viewer: { email: viewer.email, userId: viewer.userId, roles },
    score: presentScore(output.score, policy.document),
    preview,
    request,
    actions: { request: canRequest, withdraw: canWithdraw, decide: canDecide },
    notices,
    traceHash: trace.hash,
  };
}

/** The portal's configuration (from this process's cache, checked against its version), the deal and its latest request. */
async function loadForView(deps: ServiceDeps, portalId: string, dealId: string, at: string) {
  const cache = deps.cache ?? createCaches();
  const config = await cache.portalConfigs.current(deps.db, portalId, at);
  if (!config || config.portal.installState === 'uninstalled') throw new AppError('not_found', 'approval-router is not installed in this portal');
  const [context, forView] = await Promise.all([
    loadDealContext(deps, config.portal, dealId, config.policy, { alsoFor: config.candidate?.document ?? null, delegations: liveAt(config, at) }),
    latestRequestForView(deps.db, portalId, dealId, at),
  ]);
  return { config, context, forView, cache };
}

/** The portal's day's HubSpot budget is spent: what the deal shows lags what is recorded here until the next day. */
function syncDelayedNotice(until: Date): string {
  const when = `${until.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  return `HubSpot sync delayed until ${when}: the portal's daily HubSpot budget is spent; approvals are recorded here and reach the deal then`;
}

function rolesOf(viewer: Viewer, request: RequestSummary | null, ownerEmail: string | null, admin: boolean): ViewerRole[] {
  const roles: ViewerRole[] = [];
  if (request && request.lifecycle.requester === viewer.email) roles.push('requester');
  if (ownerEmail === viewer.email) roles.push('owner');
  if (request?.state === 'pending' && request.lifecycle.steps.some((step) => step.approvers.includes(viewer.email))) roles.push('approver');
  if (admin) roles.push('admin');
  return roles;
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
