// The first step of the card view: everything it is built from, read once. The portal's configuration comes from
// the process's cache (checked against the portal's version on every view); the deal and directory from the CRM;
// the deal's latest request, and the policy it was routed with, from the store.
import type { Deal } from '../../../src/deal.js';
import type { Directory } from '../../../src/directory/schema.js';
import type { Policy } from '../../../src/policy/schema.js';
import { createCaches } from '../../cache/caches.js';
import { AppError } from '../../errors.js';
import { mergeDelegations } from '../../store/delegations.js';
import { liveAt, type PortalConfig } from '../../store/portal-config.js';
import type { PolicyVersion } from '../../store/policies.js';
import type { Portal } from '../../store/portals.js';
import { latestRequestForView, type RequestSummary } from '../../store/requests.js';
import type { ServiceDeps } from '../deps.js';
import { noActivePolicy, readDeal, type Viewer } from '../load-facts.js';

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
}

/** 404 when the app is not installed in the portal or the CRM has no such deal; 409 when no policy is active. */
export async function loadCardFacts(deps: ServiceDeps, viewer: Viewer, dealId: string, at: string): Promise<CardFacts> {
  const cache = deps.cache ?? createCaches();
  const config = await cache.portalConfigs.current(deps.db, viewer.portalId, at);
  if (!config || config.portal.installState === 'uninstalled') throw new AppError('not_found', 'approval-router is not installed in this portal');
  const { portal, policy, candidate } = config;
  if (!policy) throw noActivePolicy();
  const crm = deps.crmFor(portal);
  const [{ deal, wideDeal }, snapshot, latest] = await Promise.all([
    readDeal(crm, portal.id, dealId, policy.document, candidate?.document ?? null),
    crm.getDirectory(portal.id),
    latestRequestForView(deps.db, portal.id, dealId, at),
  ]);
  const routedWith = latest.request?.policyVersionId;
  const requestPolicy = routedWith === undefined || routedWith === policy.id ? policy.document : await cache.policyDocuments.get(deps.db, portal.id, routedWith);
  return {
    viewer, dealId, at, portal, policy, candidate, lastRolledBack: config.lastRolledBack,
    deal, wideDeal, directory: mergeDelegations(snapshot, liveAt(config, at)),
    request: latest.request, requestPolicy: requestPolicy ?? policy.document, delegatedBy: latest.delegatedBy, syncDeferredUntil: latest.syncDeferredUntil,
  };
}
