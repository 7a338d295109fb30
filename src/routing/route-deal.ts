// Route selection: the first route whose condition holds wins; its steps are resolved over the
// directory, and a step that ends with no eligible approver makes the deal unroutable, never an empty step.
import { OWNER_PROPERTY, readProperty, type Deal } from '../deal.js';
import { indexDirectory, primaryTeamOf } from '../directory/index-directory.js';
import { normaliseEmail } from '../directory/email.js';
import type { Directory } from '../directory/schema.js';
import type { Policy, Route } from '../policy/schema.js';
import { parseInstant } from '../time.js';
import { compileCondition, type ConditionCheck } from './compile-condition.js';
import { compileStepResolver, type ResolveContext, type StepResolver } from './resolve-approvers.js';
import type { OwnerTrace, ResolvedStep, RouteOptions, RouteOutcome, RouteResult, RouteTrial } from './types.js';

interface CompiledRoute {
  id: string;
  when: ConditionCheck;
  autoApprove: boolean;
  steps: StepResolver[];
}

export type DealRouter = (deal: Deal, score: number, directory: Directory, options?: RouteOptions) => RouteResult;

export function compileRoutes(policy: Policy): DealRouter {
  const routes = policy.routes.map((route) => compileRoute(route, policy));
  // A bulk pass routes every deal at one instant: its text is parsed once, not per deal.
  let instant: { text: string; at: number | null } | null = null;
  const parseAt = (text: string): number | null => {
    if (instant?.text !== text) instant = { text, at: parseInstant(text) };
    return instant.at;
  };
  return (deal, score, directory, options = {}) => {
    const { ctx, owner } = routeContext(deal, directory, options, parseAt);
    const tried: RouteTrial[] = [];
    for (const route of routes) {
      const condition = route.when(deal, score);
      tried.push({ routeId: route.id, matched: condition.result, condition });
      if (!condition.result) continue;
      return { routeId: route.id, outcome: resolveRoute(route, ctx), tried, owner, requester: ctx.requester };
    }
    return { routeId: null, outcome: { kind: 'unroutable', reason: 'no route matched the deal', stepId: null, steps: [] }, tried, owner, requester: ctx.requester };
  };
}

/**
 * What the named route asks of this deal, whether or not its condition holds (to compare two routes for one deal),
 * or null when the policy has no such route.
 */
export function routeOutcomeOf(policy: Policy, routeId: string, deal: Deal, directory: Directory, options: RouteOptions = {}): RouteOutcome | null {
  const route = policy.routes.find((candidate) => candidate.id === routeId);
  return route ? resolveRoute(compileRoute(route, policy), routeContext(deal, directory, options).ctx) : null;
}

function compileRoute(route: Route, policy: Policy): CompiledRoute {
  return {
    id: route.id,
    when: compileCondition(route.when),
    autoApprove: route.autoApprove === true,
    steps: (route.steps ?? []).map((step) => compileStepResolver(step, policy.roles)),
  };
}

function routeContext(deal: Deal, directory: Directory, options: RouteOptions, parseAt = parseInstant): { ctx: ResolveContext; owner: OwnerTrace } {
  const index = indexDirectory(directory);
  const requester = options.requester ? normaliseEmail(options.requester) : null;
  const ownerId = readProperty(deal, OWNER_PROPERTY);
  const found = ownerId === null ? null : index.byOwnerId.get(ownerId) ?? null;
  const owner: OwnerTrace = {
    ownerId,
    email: found ? normaliseEmail(found.email) : null,
    primaryTeam: found ? primaryTeamOf(found) : null,
    note: ownerId === null ? 'the deal has no owner' : found === null ? `owner ${ownerId} is not in the directory` : null,
  };
  const at = options.at ? parseAt(options.at) : null;
  return { ctx: { index, owner: found, ownerEmail: owner.email, requester, at }, owner };
}

/** The route's steps resolved in order; the first step left without enough approvers makes the deal unroutable. */
function resolveRoute(route: CompiledRoute, ctx: ResolveContext): RouteOutcome {
  if (route.autoApprove) return { kind: 'auto_approved' };
  const steps: ResolvedStep[] = [];
  for (const resolve of route.steps) {
    const { step, problem } = resolve(ctx);
    steps.push(step);
    if (problem !== null) return { kind: 'unroutable', reason: problem, stepId: step.id, steps };
  }
  return { kind: 'routed', steps };
}
