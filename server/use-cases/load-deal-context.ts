// The facts every card action starts from: the portal, its active policy, the deal from the CRM and the directory.
import type { Deal } from '../../src/deal.js';
import type { Directory } from '../../src/directory/schema.js';
import { policyProperties } from '../../src/policy/policy-properties.js';
import { AppError } from '../errors.js';
import { activePolicy, portalWithActivePolicy, toVersion, type PolicyVersion } from '../store/policies.js';
import { findPortal, toPortal, type Portal } from '../store/portals.js';
import type { ServiceDeps } from './deps.js';

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

/** The portal and its active policy in one read; 404 when the portal has not installed the app. */
export async function loadPortalAndPolicy(deps: ServiceDeps, portalId: string): Promise<{ portal: Portal; policy: PolicyVersion | null }> {
  const found = await portalWithActivePolicy(deps.db, portalId);
  if (!found || found.portal.install_state === 'uninstalled') throw new AppError('not_found', 'approval-router is not installed in this portal');
  return { portal: toPortal(found.portal), policy: found.policy ? toVersion(found.policy) : null };
}

export async function loadDealContext(deps: ServiceDeps, portal: Portal, dealId: string, knownPolicy?: PolicyVersion | null): Promise<DealContext> {
  const policy = knownPolicy === undefined ? await activePolicy(deps.db, portal.id) : knownPolicy;
  if (!policy) throw new AppError('conflict', 'this portal has no active routing policy: an admin must activate one');
  const crm = deps.crmFor(portal);
  const [deal, directory] = await Promise.all([crm.getDeal(portal.id, dealId, policyProperties(policy.document)), crm.getDirectory(portal.id)]);
  if (!deal) throw new AppError('not_found', `deal ${dealId} was not found in this portal`);
  return { portal, policy, deal, directory };
}
