// Which deal properties a policy reads: the service asks the CRM for exactly these (plus owner, pipeline, stage).
import { conditionProperties } from './condition-properties.js';
import type { Policy } from './schema.js';

export function policyProperties(policy: Policy): string[] {
  const names = new Set<string>(['hubspot_owner_id', 'pipeline', 'dealstage', 'dealname', 'amount']);
  for (const name of conditionProperties(policy)) names.add(name);
  for (const name of policy.materialProperties ?? []) names.add(name);
  return [...names].sort();
}
