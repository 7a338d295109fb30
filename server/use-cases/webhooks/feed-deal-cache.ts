// Webhooks keep the deal cache warm (server/cache/deal-cache.ts): after a batch is processed, a deal that was deleted
// loses its copy, and a deal that was created, or changed while a copy of it is kept, is read again so the next
// card view finds a copy as new as the deal. A change to a deal nobody has viewed costs no read. Our own writes'
// echoes count as changes: they move the deal's hs_lastmodifieddate too. Whether a copy may serve a view is never
// decided here: the card's hint decides that.
import { dealEventKind } from '../../../src/contract/webhook-events.js';
import { policyProperties } from '../../../src/policy/policy-properties.js';
import { readDealLive } from '../../cache/deal-cache.js';
import { cachedDealsAsked, dropCachedDeal } from '../../store/deal-cache.js';
import type { EventFacts } from '../../store/inbox.js';
import { activePolicy } from '../../store/policies.js';
import type { Portal } from '../../store/portals.js';
import { isoNow, type ServiceDeps } from '../deps.js';

/** This many deals are read side by side. */
const READS_AT_ONCE = 4;

type Change = 'created' | 'changed' | 'deleted';

/** Never throws: a copy left stale is read live by the next view whose hint is newer. */
export async function feedDealCache(deps: ServiceDeps, events: readonly EventFacts[]): Promise<void> {
  // Per portal, each deal's last word: a deletion outweighs anything before it; a creation asks for a read.
  const portals = new Map<string, { portal: Portal; deals: Map<string, Change> }>();
  for (const { event, portal } of events) {
    if (!portal || portal.installState !== 'installed' || portal.featureFlag === 'off') continue;
    const kind = dealEventKind(event.subscriptionType, typeof event.payload.objectTypeId === 'string' ? event.payload.objectTypeId : null);
    if (kind === null) continue;
    const change: Change = kind === 'deal.deletion' ? 'deleted' : kind === 'deal.creation' ? 'created' : 'changed';
    const entry = portals.get(portal.id) ?? { portal, deals: new Map<string, Change>() };
    portals.set(portal.id, entry);
    const before = entry.deals.get(event.objectId);
    entry.deals.set(event.objectId, before === 'deleted' || change === 'deleted' ? 'deleted' : before === 'created' ? 'created' : change);
  }
  for (const { portal, deals } of portals.values()) {
    try {
      await feedPortal(deps, portal, deals);
    } catch (error) {
      deps.logger.warn({ err: error, portalId: portal.id }, 'could not refresh the deal cache from webhook events');
    }
  }
}

async function feedPortal(deps: ServiceDeps, portal: Portal, deals: Map<string, Change>): Promise<void> {
  const kept = await cachedDealsAsked(deps.db, portal.id, [...deals.keys()]);
  let created: string[] | undefined;
  const reads: { dealId: string; asked: () => Promise<string[]> }[] = [];
  for (const [dealId, change] of deals) {
    if (change === 'deleted') {
      await dropCachedDeal(deps.db, portal.id, dealId);
      continue;
    }
    const asked = kept.get(dealId);
    if (asked) reads.push({ dealId, asked: () => Promise.resolve(asked) });
    else if (change === 'created') {
      // A new deal is read for what the active policy reads, as the card will ask.
      reads.push({ dealId, asked: async () => (created ??= await activeProperties(deps, portal.id)) });
    }
  }
  const crm = deps.crmFor(portal);
  const runner = async () => {
    for (let next = reads.shift(); next; next = reads.shift()) {
      const asked = await next.asked();
      if (asked.length === 0) continue;
      try {
        await readDealLive(deps.db, crm, portal.id, next.dealId, asked, isoNow(deps));
      } catch (error) {
        deps.logger.warn({ err: error, portalId: portal.id, dealId: next.dealId }, 'could not refresh a deal\'s cached copy');
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(READS_AT_ONCE, reads.length) }, runner));
}

async function activeProperties(deps: ServiceDeps, portalId: string): Promise<string[]> {
  const policy = await activePolicy(deps.db, portalId);
  return policy ? [...policyProperties(policy.document)] : [];
}
