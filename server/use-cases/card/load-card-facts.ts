// The first step of the card view: everything it is built from, read once. The portal's configuration comes from
// the process's cache (checked against the portal's version on every view); the deal from the deal cache when the
// card's freshness hint allows, else from the CRM (server/cache/deal-cache.ts); the directory from the CRM; the
// deal's latest request, the policy it was routed with and the portal's kept super admins, from the store.
import type { Deal } from '../../../src/deal.js';
import type { Directory } from '../../../src/directory/schema.js';
import type { Policy } from '../../../src/policy/schema.js';
import { createCaches, type Caches } from '../../cache/caches.js';
import { cachedDealReader, type DealRead } from '../../cache/deal-cache.js';
import { AppError } from '../../errors.js';
import { mergeDelegations } from '../../store/delegations.js';
import { liveAt, type PortalConfig } from '../../store/portal-config.js';
import type { PolicyVersion } from '../../store/policies.js';
import type { Portal } from '../../store/portals.js';
import { latestRequestForView, type RequestSummary } from '../../store/requests.js';
import type { SuperAdminsRead } from '../../store/super-admins.js';
import type { ServiceDeps } from '../deps.js';
import { noActivePolicy, portalDirectory, readDeal, type Viewer } from '../load-facts.js';

export interface CardFacts {
  viewer: Viewer;
  dealId: string;
  /** The instant of the view (ISO). */
  at: string;
  portal: Portal;
  /** The active version. */
  policy: PolicyVersion;
  /** A staged candidate, run in shadow beside the active version. */
  candidate: PolicyVersion | null;
  lastRolledBack: PortalConfig['lastRolledBack'];
  /** The deal as the active policy reads it; `wideDeal` also has the candidate's properties. */
  deal: Deal;
  wideDeal: Deal;
  /** The CRM's directory with the portal's live delegations. */
  directory: Directory;
  /** The deal's latest request, and the policy document it was routed with. */
  request: RequestSummary | null;
  requestPolicy: Policy;
  /** Decisions a delegate made on someone's behalf, keyed "stepIndex:approver". */
  delegatedBy: Map<string, string>;
  /** Until when the portal's HubSpot syncs wait for its next day's budget. */
  syncDeferredUntil: Date | null;
  /** The portal's HubSpot super admins as last read, read with the request (null: never read). */
  superAdmins: SuperAdminsRead | null;
}

/** The card's hint of the deal's version (its hs_lastmodifieddate, ms), and who is told where the deal was read. */
export interface CardFreshness {
  dealModifiedAtMs?: number | null;
  onDealRead?: (read: DealRead) => void;
}

/**
 * 404 when the app is not installed in the portal or the CRM has no such deal; 409 when no policy is active.
 * With a copy of the portal's configuration in hand, the deal, directory and latest request are read side by side,
 * and the portal's version comes with the request: a copy that turns out stale is read again, and the deal with it.
 */
export async function loadCardFacts(deps: ServiceDeps, viewer: Viewer, dealId: string, at: string, freshness: CardFreshness = {}): Promise<CardFacts> {
  const cache = deps.cache ?? createCaches();
  const kept = cache.portalConfigs.kept(viewer.portalId, at);
  const latestRead = latestRequestForView(deps.db, viewer.portalId, dealId, at);
  let config = kept && usable(kept) ? kept : null;
  let crmFacts = config && readCrmFacts(deps, cache, config, dealId, at, freshness);
  // Settled here as well as below, so a failure of the one not awaited yet is never left unhandled.
  void crmFacts?.catch(() => undefined);
  const latest = await latestRead;
  if (!config || config.version !== latest.configVersion) {
    config = await cache.portalConfigs.atVersion(deps.db, viewer.portalId, latest.configVersion, at);
    if (!config || config.portal.installState === 'uninstalled') throw new AppError('not_found', 'approval-router is not installed in this portal');
    if (!config.policy) throw noActivePolicy();
    crmFacts = readCrmFacts(deps, cache, config, dealId, at, freshness);
  }
  const { portal, policy, candidate } = config;
  const activePolicy = policy!;
  const { deal, wideDeal, snapshot } = await crmFacts!;
  const routedWith = latest.request?.policyVersionId;
  const requestPolicy = routedWith === undefined || routedWith === activePolicy.id ? activePolicy.document : await cache.policyDocuments.get(deps.db, portal.id, routedWith);
  return {
    viewer, dealId, at, portal, policy: activePolicy, candidate, lastRolledBack: config.lastRolledBack,
    deal, wideDeal, directory: mergeDelegations(snapshot, liveAt(config, at)),
    request: latest.request, requestPolicy: requestPolicy ?? activePolicy.document, delegatedBy: latest.delegatedBy, syncDeferredUntil: latest.syncDeferredUntil,
    superAdmins: latest.superAdmins,
  };
}

const usable = (config: PortalConfig): boolean => config.portal.installState !== 'uninstalled' && config.policy !== null;

/** The deal (as the active policy and the candidate read it) and the directory, from the portal's CRM. */
async function readCrmFacts(deps: ServiceDeps, cache: Caches, config: PortalConfig, dealId: string, at: string, freshness: CardFreshness) {
  const { portal, policy, candidate } = config;
  const crm = deps.crmFor(portal);
  const deals = cachedDealReader(deps.db, crm, { hintMs: freshness.dealModifiedAtMs ?? null, at, ...(freshness.onDealRead ? { onRead: freshness.onDealRead } : {}) });
  const directory = portalDirectory(deps, cache, config);
  const [{ deal, wideDeal }, snapshot] = await Promise.all([readDeal(deals, portal.id, dealId, policy!.document, candidate?.document ?? null), directory]);
  return { deal, wideDeal, snapshot };
}
