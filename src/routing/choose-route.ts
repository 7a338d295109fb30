// Route choice without the explanation, for bulk passes (simulating a policy over an export): the route a deal
// takes and each step's approvers, exactly as `compileRoutes` decides them, but without a trace of every condition.
// A step's approvers depend only on the directory, the deal's owner, the requester and the instant, never on the
// deal's other properties, so each resolution is computed once per (route, owner, requester, instant) and shared.
import { OWNER_PROPERTY, readProperty, type Deal } from '../deal.js';
import { indexDirectory, type DirectoryIndex } from '../directory/index-directory.js';
import { normaliseEmail } from '../directory/email.js';
import type { Directory, DirectoryUser } from '../directory/schema.js';
import type { Policy } from '../policy/schema.js';
import { parseInstant } from '../time.js';
import { compileConditionTest, type ConditionTest } from './test-condition.js';
import { compileStepResolver, type StepResolver } from './resolve-approvers.js';
import type { ResolvedStep, RouteOptions, RouteOutcome } from './types.js';

/** The route and outcome `compileRoutes` gives, without `tried`, `owner` and `requester`. Shared: treat as read-only. */
export interface RouteChoice {
  readonly routeId: string | null;
  readonly outcome: RouteOutcome;
}

export type RouteChooser = (deal: Deal, score: number, directory: Directory, options?: RouteOptions) => RouteChoice;

interface ChoiceRoute {
  id: string;
  when: ConditionTest;
  /** Set for auto-approving routes: every deal that takes the route gets this one answer. */
  auto: RouteChoice | null;
  steps: StepResolver[];
}

const NO_ROUTE: RouteChoice = deepFreeze({ routeId: null, outcome: { kind: 'unroutable', reason: 'no route matched the deal', stepId: null, steps: [] } });

export function compileRouteChooser(policy: Policy): RouteChooser {
  const routes: ChoiceRoute[] = policy.routes.map((route) => ({
    id: route.id,
    when: compileConditionTest(route.when),
    auto: route.autoApprove === true ? deepFreeze({ routeId: route.id, outcome: { kind: 'auto_approved' } }) : null,
    steps: (route.steps ?? []).map((step) => compileStepResolver(step, policy.roles)),
  }));
  // Resolutions for one (directory, requester, instant) at a time, per route and owner: a bulk pass keeps all three
  // fixed, so the table stays small (routes × the directory's owners) and is found without building a key.
  let memo: { directory: Directory; requester: string | null | undefined; at: string | null | undefined; byRoute: Map<string | null, RouteChoice>[] } | null = null;

  return (deal, score, directory, options = {}) => {
    let routeIndex = -1;
    for (let i = 0; i < routes.length; i++) {
      if (routes[i]!.when(deal, score)) {
        routeIndex = i;
        break;
      }
    }
    if (routeIndex < 0) return NO_ROUTE;
    const route = routes[routeIndex]!;
    if (route.auto) return route.auto;

    if (memo === null || memo.directory !== directory || memo.requester !== options.requester || memo.at !== options.at) {
      memo = { directory, requester: options.requester, at: options.at, byRoute: routes.map(() => new Map<string | null, RouteChoice>()) };
    }
    const index = indexDirectory(directory);
    const ownerId = readProperty(deal, OWNER_PROPERTY);
    // Owners the directory does not know all resolve alike (no owner), so they share one entry.
    const owner = ownerId === null ? null : index.byOwnerId.get(ownerId) ?? null;
    const table = memo.byRoute[routeIndex]!;
    const ownerKey = owner === null ? null : ownerId;
    let choice = table.get(ownerKey);
    if (choice === undefined) {
      choice = resolve(route, index, owner, options);
      table.set(ownerKey, choice);
    }
    return choice;
  };
}

function resolve(route: ChoiceRoute, index: DirectoryIndex, owner: DirectoryUser | null, options: RouteOptions): RouteChoice {
  const requester = options.requester ? normaliseEmail(options.requester) : null;
  const at = options.at ? parseInstant(options.at) : null;
  const ctx = { index, owner, ownerEmail: owner ? normaliseEmail(owner.email) : null, requester, at };
  const steps: ResolvedStep[] = [];
  for (const resolveStep of route.steps) {
    const { step, problem } = resolveStep(ctx);
    steps.push(step);
    if (problem !== null) return deepFreeze({ routeId: route.id, outcome: { kind: 'unroutable', reason: problem, stepId: step.id, steps } });
  }
  return deepFreeze({ routeId: route.id, outcome: { kind: 'routed', steps } });
}

/** Answers are shared between deals, so none may be changed by a caller. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
