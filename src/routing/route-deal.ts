// Route selection: the first route whose condition holds wins; its steps are resolved over the
// directory, and a step that ends with no eligible approver makes the deal unroutable, never an empty step.
import { OWNER_PROPERTY, readProperty, type Deal } from '../deal.js';
import { indexDirectory, primaryTeamOf } from '../directory/index-directory.js';
import { normaliseEmail } from '../directory/email.js';
import type { Directory } from '../directory/schema.js';
import type { Policy } from '../policy/schema.js';
import { parseInstant } from '../time.js';
import { compileCondition, type ConditionCheck } from './compile-condition.js';
import { compileStepResolver, type ResolveContext, type StepResolver } from './resolve-approvers.js';
import type { OwnerTrace, ResolvedStep, RouteOptions, RouteResult, RouteTrial } from './types.js';

interface CompiledRoute {
  id: string;
  when: ConditionCheck;
  autoApprove: boolean;
  steps: StepResolver[];
}

export type DealRouter = (deal: Deal, score: number, directory: Directory, options?: RouteOptions) => RouteResult;

export function compileRoutes(policy: Policy): DealRouter {
  const routes: CompiledRoute[] = policy.routes.map((route) => ({
    id: route.id,
    when: compileCondition(route.when),
    autoApprove: route.autoApprove === true,
    steps: (route.steps ?? []).map((step) => compileStepResolver(step, policy.roles)),
  }));
  return (deal, score, directory, options = {}) => {
    const index = indexDirectory(directory);
    const requester = options.requester ? normaliseEmail(options.requester) : null;
    const ownerId = readProperty(deal, OWNER_PROPERTY);
    const owner = ownerId === null ? null : index.byOwnerId.get(ownerId) ?? null;
    const ownerTrace: OwnerTrace = {
      ownerId,
      email: owner ? normaliseEmail(owner.email) : null,
      primaryTeam: owner ? primaryTeamOf(owner) : null,
      note: ownerId === null ? 'the deal has no owner' : owner === null ? `owner ${ownerId} is not in the directory` : null,
    };
    const tried: RouteTrial[] = [];
    for (const route of routes) {
      const condition = route.when(deal, score);
      tried.push({ routeId: route.id, matched: condition.result, condition });
      if (!condition.result) continue;
      if (route.autoApprove) return { routeId: route.id, outcome: { kind: 'auto_approved' }, tried, owner: ownerTrace, requester };
      const at = options.at ? parseInstant(options.at) : null;
      const ctx: ResolveContext = { index, owner, ownerEmail: ownerTrace.email, requester, at };
      const steps: ResolvedStep[] = [];
      for (const resolve of route.steps) {
        const { step, problem } = resolve(ctx);
        steps.push(step);
        if (problem !== null) {
          return { routeId: route.id, outcome: { kind: 'unroutable', reason: problem, stepId: step.id, steps }, tried, owner: ownerTrace, requester };
        }
      }
      return { routeId: route.id, outcome: { kind: 'routed', steps }, tried, owner: ownerTrace, requester };
    }
    return { routeId: null, outcome: { kind: 'unroutable', reason: 'no route matched the deal', stepId: null, steps: [] }, tried, owner: ownerTrace, requester };
  };
}
