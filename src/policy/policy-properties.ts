// Which deal properties a policy reads: the service asks the CRM for exactly these (plus owner, pipeline, stage).
import type { Condition, Policy } from './schema.js';

export function policyProperties(policy: Policy): string[] {
  const names = new Set<string>(['hubspot_owner_id', 'pipeline', 'dealstage', 'dealname', 'amount']);
  for (const factor of policy.scoring.factors) names.add(factor.property);
  const visit = (condition: Condition): void => {
    if ('all' in condition) condition.all.forEach(visit);
    else if ('any' in condition) condition.any.forEach(visit);
    else if ('not' in condition) visit(condition.not);
    else if ('property' in condition) names.add(condition.property);
  };
  for (const route of policy.routes) visit(route.when);
  for (const name of policy.materialProperties ?? []) names.add(name);
  return [...names].sort();
}
