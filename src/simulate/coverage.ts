// Which properties a policy needs that an export does not provide: every deal would score them as missing,
// which is worth saying once up front rather than in every deal's explanation.
import { OWNER_PROPERTY } from '../deal.js';
import type { Condition, Policy } from '../policy/schema.js';

/** Properties the policy's scoring and route conditions read, plus the owner (roles resolve by the owner's team). */
export function propertiesRoutingReads(policy: Policy): string[] {
  const names = new Set<string>([OWNER_PROPERTY]);
  for (const factor of policy.scoring.factors) names.add(factor.property);
  const visit = (condition: Condition): void => {
    if ('all' in condition) condition.all.forEach(visit);
    else if ('any' in condition) condition.any.forEach(visit);
    else if ('not' in condition) visit(condition.not);
    else if ('property' in condition) names.add(condition.property);
  };
  for (const route of policy.routes) visit(route.when);
  return [...names].sort();
}

export function missingProperties(policy: Policy, provided: ReadonlySet<string>): string[] {
  return propertiesRoutingReads(policy).filter((name) => !provided.has(name));
}
