// The deals of a portal that this database knows from a period, newest first: the deal snapshots its requests were
// routed with, the deals its card views evaluated (each evaluation trace holds the deal as the policy read it), and
// for the demo portal the local CRM's deals (all of them: that CRM is the portal's own). Each deal once, as most
// recently seen. What a simulation runs over.
import type { Knex } from 'knex';
import type { Deal } from '../../src/deal.js';

export type DealSource = 'requests' | 'evaluations' | 'localCrm';

export interface KnownDeal {
  deal: Deal;
  /** When this copy was seen (ISO): the request, the evaluation, or the local CRM's last change. */
  seenAt: string;
  source: DealSource;
}

/**
 * At most `limit` deals seen in [since, until], newest first, with `available`: how many distinct deals the period
 * holds in all (up to `limit + 1` per source is read, so a count above `limit` only says "more").
 */
export async function recentKnownDeals(
  db: Knex, portalId: string, window: { since: string; until: string }, limit: number, options: { localCrm: boolean },
): Promise<{ deals: KnownDeal[]; available: number }> {
  const take = limit + 1;
  const [requests, evaluations, local] = await Promise.all([
    db.raw<{ rows: { deal_id: string; deal: Deal; seen_at: Date }[] }>(
      `SELECT * FROM (
         SELECT DISTINCT ON (deal_id) deal_id, deal_snapshot AS deal, created_at AS seen_at
         FROM approval_requests WHERE portal_id = ? AND created_at >= ? AND created_at <= ?
         ORDER BY deal_id, created_at DESC
       ) latest ORDER BY seen_at DESC, deal_id LIMIT ?`,
      [portalId, window.since, window.until, take],
    ),
    // occurred_at is the ISO text that was hashed: it orders as the instant does.
    db.raw<{ rows: { deal_id: string; deal: Deal; seen_at: string }[] }>(
      `SELECT * FROM (
         SELECT DISTINCT ON (deal_id) deal_id, (input::jsonb)->'deal' AS deal, occurred_at AS seen_at
         FROM traces WHERE portal_id = ? AND kind = 'evaluation' AND deal_id IS NOT NULL AND occurred_at >= ? AND occurred_at <= ?
         ORDER BY deal_id, id DESC
       ) latest ORDER BY seen_at DESC, deal_id LIMIT ?`,
      [portalId, window.since, window.until, take],
    ),
    // The local CRM is the portal's CRM itself: its deals are current whenever they last changed, so no window
    // applies; updated_at only orders them.
    options.localCrm
      ? db('local_deals').where({ portal_id: portalId })
        .orderBy([{ column: 'updated_at', order: 'desc' }, { column: 'id' }]).limit(take)
        .select<{ id: string; properties: Record<string, string | null>; updated_at: Date }[]>('id', 'properties', 'updated_at')
      : Promise.resolve([]),
  ]);

  const newest = new Map<string, KnownDeal>();
  const keep = (candidate: KnownDeal) => {
    const known = newest.get(candidate.deal.id);
    // The local CRM is the demo portal's CRM itself: its copy has every property, so it wins.
    if (!known || candidate.source === 'localCrm' || (known.source !== 'localCrm' && candidate.seenAt > known.seenAt)) newest.set(candidate.deal.id, candidate);
  };
  for (const row of requests.rows) keep({ deal: { id: row.deal_id, properties: row.deal.properties }, seenAt: row.seen_at.toISOString(), source: 'requests' });
  for (const row of evaluations.rows) keep({ deal: { id: row.deal_id, properties: row.deal.properties }, seenAt: row.seen_at, source: 'evaluations' });
  for (const row of local) keep({ deal: { id: row.id, properties: row.properties }, seenAt: row.updated_at.toISOString(), source: 'localCrm' });
  const deals = [...newest.values()].sort((a, b) => (a.seenAt < b.seenAt ? 1 : a.seenAt > b.seenAt ? -1 : a.deal.id < b.deal.id ? -1 : 1));
  return { deals: deals.slice(0, limit), available: deals.length };
}
