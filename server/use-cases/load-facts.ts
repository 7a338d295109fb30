// The facts every card action starts from: the portal, its active policy, the deal from the CRM and the directory
// (with the portal's delegations).
import type { Deal } from '../../src/deal.js';
import type { Directory } from '../../src/directory/schema.js';
import { policyProperties } from '../../src/policy/policy-properties.js';
import type { Policy } from '../../src/policy/schema.js';
import { AppError } from '../errors.js';
import { mergeDelegations, withDelegations, type StoredDelegation } from '../store/delegations.js';
import { activePolicy, type PolicyVersion } from '../store/policies.js';
import { findPortal, type Portal } from '../store/portals.js';
import { isoNow, type ServiceDeps } from './deps.js';

export interface Viewer {
  portalId: string;
  userId: string;
  email: string;
}

export async function loadPortal(deps: ServiceDeps, portalId: string): Promise<Portal> {
  const portal = await findPortal(deps.db, portalId);
  if (!portal || portal.installState === 'uninstalled') throw new AppError('not_found', 'approval-router is not installed in this portal');
  return portal;
}

export interface DealContext {
  portal: Portal;
  policy: PolicyVersion;
  deal: Deal;
  directory: Directory;
}

/**
 * The deal as the active policy reads it, and the directory with the portal's live delegations. With `alsoFor` (a
 * staged candidate), the CRM is asked once for both policies' properties: `deal` keeps only the active policy's, so
 * its evaluation and trace are the same as without a candidate, and `wideDeal` has them all for the candidate.
 */
export async function loadDealContext(
  deps: ServiceDeps, portal: Portal, dealId: string, knownPolicy?: PolicyVersion | null,
  options: { alsoFor?: Policy | null; delegations?: readonly StoredDelegation[] } = {},
): Promise<DealContext & { wideDeal: Deal }> {
  const policy = knownPolicy === undefined ? await activePolicy(deps.db, portal.id) : knownPolicy;
  if (!policy) throw new AppError('conflict', 'this portal has no active routing policy: an admin must activate one');
  const crm = deps.crmFor(portal);
  const own = policyProperties(policy.document);
  const wide = options.alsoFor ? [...new Set([...own, ...policyProperties(options.alsoFor)])].sort() : own;
  const [wideDeal, directory] = await Promise.all([
    crm.getDeal(portal.id, dealId, wide),
    options.delegations ? crm.getDirectory(portal.id).then((snapshot) => mergeDelegations(snapshot, options.delegations ?? [])) : withDelegations(deps.db, portal.id, crm.getDirectory(portal.id), isoNow(deps)),
  ]);
  if (!wideDeal) throw new AppError('not_found', `deal ${dealId} was not found in this portal`);
  const deal = wide === own ? wideDeal : { ...wideDeal, properties: Object.fromEntries(Object.entries(wideDeal.properties).filter(([name]) => own.includes(name))) };
  return { portal, policy, deal, wideDeal, directory };
}
