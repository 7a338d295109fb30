// The card's whole story for one deal and one viewer, as a pipeline: load the card's facts, evaluate the active
// policy (score, route, approvers), trace the evaluation, run a staged candidate in shadow beside it, and present
// it all: the score and why, the route a request would take, the current request with its steps, and what this
// viewer may do now (with the reason when not).
import type { CardView } from '../../../src/contract/card-api.js';
import { delegationEpoch } from '../../../src/directory/delegation-epoch.js';
import type { EvaluationInput } from '../../../src/evaluate.js';
import { isPortalAdmin } from '../admin/portal-admins.js';
import { isoNow, type ServiceDeps } from '../deps.js';
import type { Viewer } from '../load-facts.js';
import { evaluateRecordingErrors } from '../rollout/evaluation-errors.js';
import { shadowEvaluate } from '../rollout/shadow-evaluation.js';
import { traceEvaluation } from '../trace-evaluation.js';
import { loadCardFacts, type CardFacts, type CardFreshness } from './load-card-facts.js';
import { presentCardView } from './present-card-view.js';

/** `freshness` carries the card's hint of the deal's version: a deal copy at least as new serves the view. */
export async function getCardView(deps: ServiceDeps, viewer: Viewer, dealId: string, freshness: CardFreshness = {}): Promise<CardView> {
  const at = isoNow(deps);
  const facts = await loadCardFacts(deps, viewer, dealId, at, freshness);
  const { portal, policy, candidate } = facts;

  const input = evaluationInput(facts);
  const output = await evaluateRecordingErrors(deps.db, { portalId: portal.id, policyVersionId: policy.id, dealId, source: 'card', at }, input);

  // The admin role follows the admin API's rule (listed admins, then the portal's kept super-admin list).
  const [trace, , admin] = await Promise.all([
    traceEvaluation(deps.db, portal.id, input, output, { dealId, occurredAt: at }, deps.cache?.evaluationTraces),
    candidate && shadowEvaluate(deps.db, deps.logger, { portalId: portal.id, dealId, active: policy, candidate, input, output, wideDeal: facts.wideDeal, source: 'card', at }),
    isPortalAdmin(deps, portal, viewer.email, { kept: facts.superAdmins }),
  ]);

  return presentCardView(facts, { input, output }, trace, { admin });
}

/** What the active policy is asked: this deal, routed for this viewer as requester, at this instant when delegations apply. */
function evaluationInput(facts: CardFacts): EvaluationInput {
  const { deal, policy, directory, viewer, at } = facts;
  return { deal, policy: policy.document, directory, requester: viewer.email, at: directory.delegations?.length ? delegationEpoch(directory, at) : null };
}
