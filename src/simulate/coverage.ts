// Which properties a policy needs that an export does not provide: every deal would score them as missing,
// which is worth saying once up front rather than in every deal's explanation.
import { OWNER_PROPERTY } from '../deal.js';
import { conditionProperties } from '../policy/condition-properties.js';
import type { Policy } from '../policy/schema.js';

/** Properties the policy's scoring and route conditions read, plus the owner (roles resolve by the owner's team). */
export function propertiesRoutingReads(policy: Policy): string[] {
  return [...new Set([OWNER_PROPERTY, ...conditionProperties(policy)])].sort();
}

export function missingProperties(policy: Policy, provided: ReadonlySet<string>): string[] {
  return propertiesRoutingReads(policy).filter((name) => !provided.has(name));
}
