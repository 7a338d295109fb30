// Checks that need the whole document: ids, roles, quorums, catch-all and unreachable routes.
// They run on a document that already has the right shape, and report every problem they find.
import { normaliseEmail } from '../directory/email.js';
import { coversEveryDeal, createTaken, isAlwaysTrue, isCovered, isNeverTrue, sufficientAtoms, take } from './condition-logic.js';
import { problem, type PathSegment, type PolicyProblem } from './problem.js';
import type { ApproverSource, Policy, Role } from './schema.js';

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
  const reaches = new Map<string, RoleReach>();
  policy.routes.forEach((route, r) => {
    route.steps?.forEach((step, s) => {
      const path = ['routes', r, 'steps', s];
      problems.push(...checkRole(policy, step.approvers, [...path, 'approvers', 'role']));
      if (step.quorum === undefined) return;
      const most = mostApprovers(policy, step.approvers, reaches);
      if (most !== null && step.quorum > most) {
        problems.push(problem([...path, 'quorum'], `must be ≤ the number of approvers (at most ${most} can be resolved, quorum is ${step.quorum})`));
      }
    });
  });
  return problems;
}

/** The most distinct approvers a source can ever resolve, or null when the directory decides (a team). */
function mostApprovers(policy: Policy, source: ApproverSource, reaches: Map<string, RoleReach>): number | null {
  const fallback = distinct(source.fallback ?? []);
  if ('users' in source) return new Set([...distinct(source.users), ...fallback]).size;
  if ('ownerManager' in source) return 1 + fallback.size;
  if ('team' in source) return null;
  const role = policy.roles !== undefined && Object.hasOwn(policy.roles, source.role) ? policy.roles[source.role] : undefined;
  if (!role) return null;
  let reach = reaches.get(source.role);
  if (reach === undefined) reaches.set(source.role, reach = reachOf(role));
  return mostThroughRole(reach, fallback);
}

const distinct = (emails: readonly string[]) => new Set(emails.map(normaliseEmail));

/**
 * A role's teams counted once, so that each step that uses it costs only its own fallbacks: `beyond[t]` is how
 * many of team t's approvers the role's fallback lacks, `teamsOf` the teams each such approver is in.
 */
interface RoleReach {
  fallback: ReadonlySet<string>;
  beyond: number[];
  /** Team indexes, the largest `beyond` first. */
  widest: number[];
  teamsOf: Map<string, number[]>;
}

function reachOf(role: Role): RoleReach {
  const fallback = distinct(role.fallback ?? []);
  const beyond: number[] = [];
  const teamsOf = new Map<string, number[]>();
  for (const emails of Object.values(role.byTeam ?? {})) {
    const team = beyond.length;
    let count = 0;
    for (const email of distinct(emails)) {
      if (fallback.has(email)) continue;
      count++;
      const teams = teamsOf.get(email);
      if (teams) teams.push(team);
      else teamsOf.set(email, [team]);
    }
    beyond.push(count);
  }
  const widest = beyond.map((_, t) => t).sort((a, b) => beyond[b]! - beyond[a]!);
  return { fallback, beyond, widest, teamsOf };
}

/** The role's fallback, the step's, and the team that adds the most approvers beyond both. */
function mostThroughRole(reach: RoleReach, stepFallback: ReadonlySet<string>): number {
  const extra = [...stepFallback].filter((email) => !reach.fallback.has(email));
  // Only a team that shares approvers with the step's fallback adds fewer than its `beyond`.
  const shared = new Map<number, number>();
  for (const email of extra) for (const team of reach.teamsOf.get(email) ?? []) shared.set(team, (shared.get(team) ?? 0) + 1);
  let best = 0;
  for (const [team, n] of shared) best = Math.max(best, reach.beyond[team]! - n);
  const untouched = reach.widest.find((team) => !shared.has(team));
  if (untouched !== undefined) best = Math.max(best, reach.beyond[untouched]!);
  return reach.fallback.size + extra.length + best;
}

function checkRouteOrder(policy: Policy): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  const routes = policy.routes;
  const taken = createTaken();
  let catchAll = -1;
  let afterCatchAll = '';
  routes.forEach((route, r) => {
    const path = ['routes', r, 'when'];
    if (catchAll >= 0) {
      problems.push(problem(path, `unreachable: ${afterCatchAll}`));
    } else if (isNeverTrue(route.when)) {
      problems.push(problem(path, 'unreachable: this condition can never be true'));
    } else if (r > 0 && isCovered(route.when, taken)) {
      problems.push(problem(path, 'unreachable: every deal it matches is already taken by an earlier route'));
    }
    if (catchAll >= 0) return;
    take(taken, sufficientAtoms(route.when));
    if (coversEveryDeal(taken)) {
      catchAll = r;
      afterCatchAll = isAlwaysTrue(route.when) ? `routes[${r}] ("${route.id}") always matches first` : 'the routes before it already match every deal';
    }
  });
  if (catchAll < 0) {
    problems.push(problem(['routes', routes.length - 1, 'when'], 'no route always matches: end the list with a catch-all (when: { always: true }) so every deal gets a route'));
  }
  return problems;
}
