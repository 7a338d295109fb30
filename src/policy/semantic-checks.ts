// Checks that need the whole document: ids, roles, quorums, catch-all and unreachable routes.
// They run on a document that already has the right shape, and report every problem they find.
import { normaliseEmail } from '../directory/email.js';
import { coversEveryDeal, isAlwaysTrue, isCovered, isNeverTrue, sufficientAtoms } from './condition-logic.js';
import { problem, type PathSegment, type PolicyProblem } from './problem.js';
import type { ApproverSource, Policy } from './schema.js';

export function checkPolicy(policy: Policy): PolicyProblem[] {
  return [
    ...checkFactors(policy),
    ...duplicateIds(policy.routes, ['routes'], 'route'),
    ...policy.routes.flatMap((route, r) => duplicateIds(route.steps ?? [], ['routes', r, 'steps'], 'step')),
    ...checkSteps(policy),
    ...(policy.escalation ? checkRole(policy, policy.escalation.to, ['escalation', 'to', 'role']) : []),
    ...checkRouteOrder(policy),
  ];
}

function checkFactors(policy: Policy): PolicyProblem[] {
  const problems = duplicateIds(policy.scoring.factors, ['scoring', 'factors'], 'factor');
  policy.scoring.factors.forEach((factor, f) => {
    const seen = new Set<number>();
    factor.bands?.forEach((band, b) => {
      if (seen.has(band.from)) problems.push(problem(['scoring', 'factors', f, 'bands', b, 'from'], `another band already starts at ${band.from}`));
      seen.add(band.from);
    });
  });
  return problems;
}

function duplicateIds(items: readonly { id: string }[], at: PathSegment[], what: string): PolicyProblem[] {
  const first = new Map<string, number>();
  const problems: PolicyProblem[] = [];
  items.forEach((item, i) => {
    const earlier = first.get(item.id);
    if (earlier === undefined) first.set(item.id, i);
    else problems.push(problem([...at, i, 'id'], `duplicate ${what} id "${item.id}" (also ${what} ${earlier})`));
  });
  return problems;
}

function checkRole(policy: Policy, source: ApproverSource, path: PathSegment[]): PolicyProblem[] {
  if (!('role' in source)) return [];
  if (policy.roles !== undefined && Object.hasOwn(policy.roles, source.role)) return [];
  const known = Object.keys(policy.roles ?? {});
  return [problem(path, `unknown role "${source.role}"${known.length ? ` (roles: ${known.join(', ')})` : ' (the policy defines no roles)'}`)];
}

function checkSteps(policy: Policy): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  policy.routes.forEach((route, r) => {
    route.steps?.forEach((step, s) => {
      const path = ['routes', r, 'steps', s];
      problems.push(...checkRole(policy, step.approvers, [...path, 'approvers', 'role']));
      if (step.quorum === undefined) return;
      const most = mostApprovers(policy, step.approvers);
      if (most !== null && step.quorum > most) {
        problems.push(problem([...path, 'quorum'], `must be ≤ the number of approvers (at most ${most} can be resolved, quorum is ${step.quorum})`));
      }
    });
  });
  return problems;
}

/** The most distinct approvers a source can ever resolve, or null when the directory decides (a team). */
function mostApprovers(policy: Policy, source: ApproverSource): number | null {
  const fallback = source.fallback ?? [];
  const distinct = (...lists: string[][]) => new Set(lists.flat().map(normaliseEmail)).size;
  if ('users' in source) return distinct(source.users, fallback);
  if ('ownerManager' in source) return 1 + distinct(fallback);
  if ('team' in source) return null;
  const role = policy.roles !== undefined && Object.hasOwn(policy.roles, source.role) ? policy.roles[source.role] : undefined;
  if (!role) return null;
  const teams = Object.values(role.byTeam ?? {});
  const largest = Math.max(0, ...teams.map((emails) => distinct(emails, role.fallback ?? [], fallback)));
  return Math.max(largest, distinct(role.fallback ?? [], fallback));
}

function checkRouteOrder(policy: Policy): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  const routes = policy.routes;
  const earlierAtoms: ReturnType<typeof sufficientAtoms> = [];
  let catchAll = -1;
  routes.forEach((route, r) => {
    const path = ['routes', r, 'when'];
    if (catchAll >= 0) {
      const by = isAlwaysTrue(routes[catchAll]!.when) ? `routes[${catchAll}] ("${routes[catchAll]!.id}") always matches first` : `the routes before it already match every deal`;
      problems.push(problem(path, `unreachable: ${by}`));
    } else if (isNeverTrue(route.when)) {
      problems.push(problem(path, 'unreachable: this condition can never be true'));
    } else if (r > 0 && isCovered(route.when, earlierAtoms)) {
      problems.push(problem(path, 'unreachable: every deal it matches is already taken by an earlier route'));
    }
    earlierAtoms.push(...sufficientAtoms(route.when));
    if (catchAll < 0 && coversEveryDeal(earlierAtoms)) catchAll = r;
  });
  if (catchAll < 0) {
    problems.push(problem(['routes', routes.length - 1, 'when'], 'no route always matches: end the list with a catch-all (when: { always: true }) so every deal gets a route'));
  }
  return problems;
}
