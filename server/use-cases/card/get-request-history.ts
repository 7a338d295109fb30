// The deal's request history for the card: every request (the newest HISTORY_LIMIT), presented as the card presents
// its current one, with step labels from the policy each was routed with and names from the directory.
import { HISTORY_LIMIT, type RequestHistory } from '../../../src/contract/request-history.js';
import type { Policy } from '../../../src/policy/schema.js';
import { createCaches } from '../../cache/caches.js';
import { requestsForDeal } from '../../store/requests.js';
import type { ServiceDeps } from '../deps.js';
import { loadPortal, type Viewer } from '../load-facts.js';
import { namesFrom, presentRequest } from '../present.js';

/** A version's document is never deleted; should one be missing, its steps show their ids. */
const NO_LABELS: Policy = { name: '', scoring: { factors: [] }, routes: [] };

export async function getRequestHistory(deps: ServiceDeps, viewer: Viewer, dealId: string): Promise<RequestHistory> {
  const portal = await loadPortal(deps, viewer.portalId);
  const rows = await requestsForDeal(deps.db, portal.id, dealId, HISTORY_LIMIT + 1);
  const listed = rows.slice(0, HISTORY_LIMIT);
  if (listed.length === 0) return { dealId, requests: [], more: false };
  const cache = deps.cache ?? createCaches();
  const names = namesFrom(await deps.crmFor(portal).getDirectory(portal.id));
  const policies = new Map(await Promise.all([...new Set(listed.map(({ request }) => request.policyVersionId))].map(async (id) => [
    id, await cache.policyDocuments.get(deps.db, portal.id, id),
  ] as const)));
  return {
    dealId,
    requests: listed.map(({ request, delegatedBy }) => presentRequest(request, policies.get(request.policyVersionId) ?? NO_LABELS, names, delegatedBy)),
    more: rows.length > HISTORY_LIMIT,
  };
}
