// The facts every card action starts from: the portal, its active policy, the deal from the CRM and the directory
// (with the portal's delegations).
import type { Deal } from '../../src/deal.js';
import type { Directory } from '../../src/directory/schema.js';
import { policyProperties } from '../../src/policy/policy-properties.js';
import type { Policy } from '../../src/policy/schema.js';
import type { Crm } from '../crm/crm.js';
import { AppError } from '../errors.js';
import { withDelegations } from '../store/delegations.js';
import type { Caches } from '../cache/caches.js';
import { activePolicy, type PolicyVersion } from '../store/policies.js';
import type { PortalConfig } from '../store/portal-config.js';
import { findPortal, type Portal } from '../store/portals.js';
import { isoNow, type ServiceDeps } from './deps.js';

export interface Viewer {
  portalId: string;
  userId: string;
  email: string;
}

/**
 * The portal and its people for an act on a request, from this process's copy of the portal's configuration when it
 * holds one (card views keep it current), else read: the demo portal's people are rows of our database that the
 * copy's version covers; a HubSpot portal's directory is kept by the CRM adapter for a short while. The act decides
 * nothing on the copy: it takes the portal's install state, flag and settings from its locked row
 * (store/requests.ts lockRequestWithPortal), so a copy made stale by a change elsewhere can only lag a name in the
 * answer. Without caches, both are read.
 */
export async function loadPortalAndDirectory(deps: ServiceDeps, portalId: string): Promise<{ portal: Portal; directory: Directory }> {
  if (!deps.cache) {
    const portal = await loadPortal(deps, portalId);
    return { portal, directory: await deps.crmFor(portal).getDirectory(portal.id) };
  }
  const at = isoNow(deps);
  const kept = deps.cache.portalConfigs.kept(portalId, at);
  const config = kept && kept.portal.installState !== 'uninstalled' ? kept : await deps.cache.portalConfigs.current(deps.db, portalId, at);
  if (!config || config.portal.installState === 'uninstalled') throw new AppError('not_found', 'approval-router is not installed in this portal');
  return { portal: config.portal, directory: await portalDirectory(deps, deps.cache, config) };
}

/** The portal's directory as the CRM has it (see loadPortalAndDirectory for where it is kept). */
export function portalDirectory(deps: ServiceDeps, cache: Caches, config: PortalConfig): Promise<Directory> {
  const crm = deps.crmFor(config.portal);
  return config.portal.installState === 'demo'
    ? cache.portalConfigs.localDirectory(config, () => crm.getDirectory(config.portal.id))
    : crm.getDirectory(config.portal.id);
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

/** The deal and the directory with the portal's live delegations, as the active policy (and a candidate) reads them. */
export async function loadDealContext(
  deps: ServiceDeps, portal: Portal, dealId: string, knownPolicy?: PolicyVersion | null, options: { alsoFor?: Policy | null } = {},
): Promise<DealContext & { wideDeal: Deal }> {
  const policy = knownPolicy === undefined ? await activePolicy(deps.db, portal.id) : knownPolicy;
  if (!policy) throw noActivePolicy();
  const crm = deps.crmFor(portal);
  const [deals, directory] = await Promise.all([
    readDeal(crm, portal.id, dealId, policy.document, options.alsoFor ?? null),
    withDelegations(deps.db, portal.id, crm.getDirectory(portal.id), isoNow(deps)),
  ]);
  return { portal, policy, ...deals, directory };
}

/**
 * The deal as the policy reads it. With `alsoFor` (a staged candidate), the CRM is asked once for both policies'
 * properties: `deal` keeps only the policy's, so its evaluation and trace are the same as without a candidate, and
 * `wideDeal` has them all for the candidate. 404 when the CRM has no such deal.
 */
export async function readDeal(crm: Pick<Crm, 'getDeal'>, portalId: string, dealId: string, policy: Policy, alsoFor: Policy | null): Promise<{ deal: Deal; wideDeal: Deal }> {
  const own = policyProperties(policy);
  const wide = alsoFor ? [...new Set([...own, ...policyProperties(alsoFor)])].sort() : own;
  const wideDeal = await crm.getDeal(portalId, dealId, wide);
  if (!wideDeal) throw new AppError('not_found', `deal ${dealId} was not found in this portal`);
  const deal = wide === own ? wideDeal : { ...wideDeal, properties: Object.fromEntries(Object.entries(wideDeal.properties).filter(([name]) => own.includes(name))) };
  return { deal, wideDeal };
}

export const noActivePolicy = (): AppError => new AppError('conflict', 'this portal has no active routing policy: an admin must activate one');
