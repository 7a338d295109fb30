// The deal cache: an installed portal's deals as HubSpot last answered a live read, each with that read's
// hs_lastmodifieddate as its version. A copy is replaced only by one at least as new, so reads that finish out of
// order never put an older copy back. server/cache/deal-cache.ts decides when a copy may serve a card view.
import type { Knex } from 'knex';

export interface CachedDeal {
  properties: Record<string, string | null>;
  /** The property names the read asked for: the copy answers for these only. */
  asked: string[];
  /** The deal's hs_lastmodifieddate in that read, in milliseconds since the epoch. */
  modifiedAtMs: number;
}

interface Row {
  properties: Record<string, string | null>;
  asked: string[];
  modified_at: Date;
}

export async function findCachedDeal(db: Knex, portalId: string, dealId: string): Promise<CachedDeal | null> {
  const row = await db('deal_cache').where({ portal_id: portalId, deal_id: dealId }).first<Row | undefined>('properties', 'asked', 'modified_at');
  return row ? { properties: row.properties, asked: row.asked, modifiedAtMs: row.modified_at.getTime() } : null;
}

/** Which of these deals the portal has a copy of, with the names each copy was read for. */
export async function cachedDealsAsked(db: Knex, portalId: string, dealIds: readonly string[]): Promise<Map<string, string[]>> {
  if (dealIds.length === 0) return new Map();
  const rows = await db('deal_cache').where({ portal_id: portalId }).whereIn('deal_id', [...dealIds]).select<{ deal_id: string; asked: string[] }[]>('deal_id', 'asked');
  return new Map(rows.map((row) => [row.deal_id, row.asked]));
}

/** Keeps a copy unless the one kept is newer. `readAt` is the service's clock. */
export async function saveCachedDeal(db: Knex, portalId: string, dealId: string, copy: CachedDeal, readAt: string): Promise<void> {
  await db('deal_cache')
    .insert({
      portal_id: portalId, deal_id: dealId, properties: JSON.stringify(copy.properties), asked: copy.asked,
      modified_at: new Date(copy.modifiedAtMs).toISOString(), read_at: readAt,
    })
    .onConflict(['portal_id', 'deal_id'])
    .merge(['properties', 'asked', 'modified_at', 'read_at'])
    .where('deal_cache.modified_at', '<=', db.ref('excluded.modified_at'));
}

export async function dropCachedDeal(db: Knex, portalId: string, dealId: string): Promise<void> {
  await db('deal_cache').where({ portal_id: portalId, deal_id: dealId }).delete();
}

/** Forgets every copy of the portal's deals. */
export async function dropPortalDealCopies(db: Knex, portalId: string): Promise<void> {
  await db('deal_cache').where({ portal_id: portalId }).delete();
}
