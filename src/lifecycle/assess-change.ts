// The re-approval rule: after a deal changes, does its approval (pending or given) still stand?
// It stands when no material property changed, or when the new route is no stricter and the score did
// not rise; otherwise it is invalidated, and the answer says why.
import { readProperty, type Deal } from '../deal.js';
import type { Directory } from '../directory/schema.js';
import { canonicalJson } from '../hash.js';
import { compilePolicy } from '../policy/compile-policy.js';
import type { Condition, Policy, Route, Step } from '../policy/schema.js';

export interface ApprovedSnapshot {
  /** The deal as it was when routed. */
  deal: Deal;
  score: number;
  routeId: string | null;
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
  const route = compiled.route(changed, score, directory);
  const before = { score: snapshot.score, routeId: snapshot.routeId };
  const after = { score, routeId: route.routeId, outcome: route.outcome.kind };
  const changes = materialChanges(snapshot.deal, changed, policy);
  const result = (stands: boolean, reason: string): ChangeAssessment => ({ stands, reason, changed: changes, before, after });
  if (changes.length === 0) return result(true, 'no material property changed');
  const names = changes.map((c) => c.property).join(', ');
  if (score > snapshot.score) return result(false, `${names} changed and the score rose from ${snapshot.score} to ${score}`);
  if (route.outcome.kind === 'unroutable') return result(false, `${names} changed and the deal can no longer be routed: ${route.outcome.reason}`);
  const stricter = whyStricter(policy, snapshot.routeId, route.routeId);
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
  if (policy.materialProperties !== undefined) return policy.materialProperties;
  const names = new Set(policy.scoring.factors.map((f) => f.property));
  const visit = (c: Condition): void => {
    if ('all' in c) c.all.forEach(visit);
    else if ('any' in c) c.any.forEach(visit);
    else if ('not' in c) visit(c.not);
    else if ('property' in c) names.add(c.property);
  };
  policy.routes.forEach((r) => visit(r.when));
  return [...names].sort();
}

/**
 * Why the new route asks for more than the approved one, or null when it does not: every step of the
 * new route must exist in the old one (same id and approver source) and need no more approvals.
 */
function whyStricter(policy: Policy, oldId: string | null, newId: string | null): string | null {
  if (oldId === newId) return null;
  const find = (id: string | null): Route | undefined => policy.routes.find((r) => r.id === id);
  const oldRoute = find(oldId);
  const newRoute = find(newId);
  if (!newRoute || newRoute.autoApprove) return null;
  const oldSteps = oldRoute?.steps ?? [];
  for (const step of newRoute.steps ?? []) {
    const match = oldSteps.find((s) => s.id === step.id && canonicalJson(s.approvers) === canonicalJson(step.approvers));
    if (!match) return `route "${newRoute.id}" needs step "${step.id}", which route "${oldId ?? 'none'}" did not have`;
    if (demand(step) > demand(match)) return `route "${newRoute.id}" needs more approvals in step "${step.id}" than route "${oldId ?? 'none'}"`;
  }
  return null;
}

/** How many approvals a step asks for; `all` asks for every approver, more than any count. */
function demand(step: Step): number {
  return step.mode === 'all' ? Infinity : step.mode === 'quorum' ? step.quorum ?? 1 : 1;
}
