// Card views without a HubSpot read: a copy of each deal, in Postgres (server/store/deal-cache.ts), versioned by the
// deal's hs_lastmodifieddate in the live read that made it. Webhooks keep copies warm but cannot say a copy is
// current (their subscriptions are fixed at upload and cannot name every portal's properties), so the card's own
// hs_lastmodifieddate decides: a copy serves a view only when it is at least as new as that hint, and has every
// property the view reads; anything else is read live, and the live read refreshes the copy. Requests, decisions
// and gates never come here: they read live.
import type { Deal } from '../../src/deal.js';
import type { Crm } from '../crm/crm.js';
import type { Db } from '../db/database.js';
import { dropCachedDeal, findCachedDeal, saveCachedDeal } from '../store/deal-cache.js';

/** The version of a copy: HubSpot sets it on every change to the deal, whichever property changed. */
export const VERSION_PROPERTY = 'hs_lastmodifieddate';

export type DealRead = 'cache' | 'live';

/**
 * A CRM's deal reads, served from the copy when the hint allows (see above). `hintMs` null (the card did not know
 * the deal's version) always reads live. `onRead` is told where each read was answered from.
 */
export function cachedDealReader(db: Db, crm: Pick<Crm, 'getDeal'>, options: { hintMs: number | null; at: string; onRead?: (read: DealRead) => void }): Pick<Crm, 'getDeal'> {
  return {
    async getDeal(portalId, dealId, properties) {
      if (options.hintMs !== null) {
        const copy = await findCachedDeal(db, portalId, dealId);
        if (copy && copy.modifiedAtMs >= options.hintMs && properties.every((name) => copy.asked.includes(name))) {
          options.onRead?.('cache');
          return { id: dealId, properties: pick(copy.properties, properties) };
        }
      }
      options.onRead?.('live');
      return readDealLive(db, crm, portalId, dealId, properties, options.at);
    },
  };
}

/**
 * Reads the deal from the CRM with its version, and keeps the copy (unless a newer one is kept already). A deal the
 * CRM no longer has loses its copy. A CRM that gives no version (the demo portal's) leaves the cache alone.
 */
export async function readDealLive(db: Db, crm: Pick<Crm, 'getDeal'>, portalId: string, dealId: string, properties: readonly string[], at: string): Promise<Deal | null> {
  const asked = [...new Set(properties)].sort();
  const read = await crm.getDeal(portalId, dealId, asked.includes(VERSION_PROPERTY) ? asked : [...asked, VERSION_PROPERTY]);
  if (!read) {
    await dropCachedDeal(db, portalId, dealId);
    return null;
  }
  const kept = pick(read.properties, asked);
  const modifiedAtMs = versionOf(read.properties[VERSION_PROPERTY]);
  if (modifiedAtMs !== null) await saveCachedDeal(db, portalId, dealId, { properties: kept, asked, modifiedAtMs }, at);
  return { id: read.id, properties: kept };
}

/** HubSpot gives hs_lastmodifieddate as an ISO time through the objects API, and as milliseconds elsewhere. */
export function versionOf(value: string | null | undefined): number | null {
  if (typeof value !== 'string' || value === '') return null;
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  return Number.isSafeInteger(ms) ? ms : null;
}

/** The named properties the deal has (own properties only: "constructor" must not read Object's). */
function pick(properties: Record<string, string | null | undefined>, names: readonly string[]): Record<string, string | null> {
  const picked: Record<string, string | null> = {};
  for (const name of names) if (Object.hasOwn(properties, name)) picked[name] = properties[name] ?? null;
  return picked;
}
