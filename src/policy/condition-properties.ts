// The deal properties a policy reads to score and route: what the CRM is asked for, what a material change is by
// default, and what an export must provide to be simulated.
import type { Condition, Policy } from './schema.js';

/** Every property the policy's scoring factors and route conditions read, sorted. */
export function conditionProperties(policy: Policy): string[] {
  const names = new Set<string>(policy.scoring.factors.map((factor) => factor.property));
  const pending: Condition[] = policy.routes.map((route) => route.when);
  for (let condition = pending.pop(); condition !== undefined; condition = pending.pop()) {
    if ('all' in condition) pending.push(...condition.all);
    else if ('any' in condition) pending.push(...condition.any);
    else if ('not' in condition) pending.push(condition.not);
    else if ('property' in condition) names.add(condition.property);
  }
  return [...names].sort();
}
