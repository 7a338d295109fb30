// The re-approval rule: after a deal changes, does its approval (pending or given) still stand?
// It stands when no material property changed, or when the new route is no stricter (see whyStricter) and the
// score did not rise; otherwise it is invalidated, and the answer says why.
import { readProperty, type Deal } from '../deal.js';
import type { Directory } from '../directory/schema.js';
import { compilePolicy } from '../policy/compile-policy.js';
import { conditionProperties } from '../policy/condition-properties.js';
import type { Policy } from '../policy/schema.js';
import { routeOutcomeOf } from '../routing/route-deal.js';
import type { ResolvedStep, RouteOptions, RouteOutcome, RouteResult } from '../routing/types.js';

export interface ApprovedSnapshot {
  /** The deal as it was when routed. */
  deal: Deal;
  score: number;
  routeId: string | null;
  /** Who asked for the approval: as when routing, never one of its approvers. */
  requester?: string | null;
}

export interface ChangeAssessment {
  stands: boolean;
  reason: string;
  changed: { property: string; before: string | null; after: string | null }[];
  before: { score: number; routeId: string | null };
  after: { score: number; routeId: string | null; outcome: 'routed' | 'auto_approved' | 'unroutable' };
}

export function assessChange(snapshot: ApprovedSnapshot, changed: Deal, policy: Policy, directory: Directory): ChangeAssessment {
  const compiled = compilePolicy(policy);
  const score = compiled.score(changed).score;
  const options: RouteOptions = { requester: snapshot.requester ?? null };
  const route = compiled.route(changed, score, directory, options);
  const before = { score: snapshot.score, routeId: snapshot.routeId };
  const after = { score, routeId: route.routeId, outcome: route.outcome.kind };
  const changes = materialChanges(snapshot.deal, changed, policy);
  const result = (stands: boolean, reason: string): ChangeAssessment => ({ stands, reason, changed: changes, before, after });
  if (changes.length === 0) return result(true, 'no material property changed');
  const names = changes.map((c) => c.property).join(', ');
  if (score > snapshot.score) return result(false, `${names} changed and the score rose from ${snapshot.score} to ${score}`);
  if (route.outcome.kind === 'unroutable') return result(false, `${names} changed and the deal can no longer be routed: ${route.outcome.reason}`);
  const stricter = whyStricter(policy, snapshot.routeId, route, changed, directory, options);
  if (stricter !== null) return result(false, `${names} changed and ${stricter}`);
  return result(true, `${names} changed, but the route is no stricter (${route.routeId ?? 'none'}) and the score did not rise (${snapshot.score} → ${score})`);
}

/** The material properties whose values differ between the deal as routed and the deal now. */
export function materialChanges(routed: Deal, changed: Deal, policy: Policy): ChangeAssessment['changed'] {
  return materialProperties(policy).flatMap((property) => {
    const was = readProperty(routed, property);
    const now = readProperty(changed, property);
    return was === now ? [] : [{ property, before: was, after: now }];
  });
}

/** The policy's material properties, or by default every property its factors and conditions read. */
export function materialProperties(policy: Policy): string[] {
  return policy.materialProperties ?? conditionProperties(policy);
}

/**
 * Why the new route is stricter than the old one for this deal, or null when it is not. Both routes are resolved
 * for the deal as it is now (same owner, requester and directory), so they differ only in what they ask:
 * - a route that approves automatically asks nothing: moving to one is never stricter, moving from one always is;
 * - otherwise the new route is stricter when it has more steps than the old, or when one of its steps is not
 *   covered by a step of the old route: covered means the old step asked every approver this step asks and needed
 *   at least as many approvals (any needs 1, quorum its count, all every approver).
 * Staying on the same route is never stricter.
 */
function whyStricter(policy: Policy, oldId: string | null, next: RouteResult, deal: Deal, directory: Directory, options: RouteOptions): string | null {
  if (oldId === next.routeId || next.outcome.kind === 'auto_approved') return null;
  const newSteps = stepsOf(next.outcome);
  const was = `route "${oldId ?? 'none'}"`;
  const now = `route "${next.routeId ?? 'none'}"`;
  const old = oldId === null ? null : routeOutcomeOf(policy, oldId, deal, directory, options);
  if (old === null || old.kind === 'auto_approved') return `${now} asks for approval, which ${was} did not`;
  const oldSteps = stepsOf(old);
  if (newSteps.length > oldSteps.length) return `${now} has ${newSteps.length} steps, ${was} had ${oldSteps.length}`;
  for (const step of newSteps) {
    const askedAll = oldSteps.filter((o) => step.approvers.every((email) => o.approvers.includes(email)));
    if (askedAll.length === 0) {
      const unasked = step.approvers.filter((email) => !oldSteps.some((o) => o.approvers.includes(email)));
      return unasked.length > 0
        ? `${now} asks ${unasked.join(', ')} in step "${step.id}", whom ${was} did not ask`
        : `${now} asks ${step.approvers.join(', ')} together in step "${step.id}", which no step of ${was} did`;
    }
    const most = Math.max(...askedAll.map((o) => o.required));
    if (step.required > most) return `${now} needs ${step.required} approvals in step "${step.id}", ${was} needed ${most} of them`;
  }
  return null;
}

function stepsOf(outcome: RouteOutcome): ResolvedStep[] {
  return outcome.kind === 'auto_approved' ? [] : outcome.steps;
}
