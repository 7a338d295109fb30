// Per-portal HubSpot budgets shared by every process: one row per portal (a token bucket, the calls of the portal's
// current day, a block HubSpot asked for), read and written under a row lock so two processes never spend the same
// call. The HubSpot adapter decides (server/hubspot/hubspot-budget.ts); this module locks, reads and saves.
import type { Knex } from 'knex';

/** A portal's budget as it stands, with the portal's day at the instant asked about. */
export interface BudgetRow {
  tokens: number;
  refilledAt: Date;
  /** The day `dayCalls` counts, in the portal's time zone (YYYY-MM-DD). */
  day: string;
  dayCalls: number;
  blockedUntil: Date | null;
  blockReason: string | null;
  /** The HubSpot account's time zone, learned at install; null when unknown (the day then runs in UTC). */
  timeZone: string | null;
  /** The portal's date at the instant asked about, in its time zone (UTC when unknown). */
  today: string;
  /** The portal's next midnight after that instant. */
  nextMidnight: Date;
}

export type BudgetChange = Partial<Pick<BudgetRow, 'tokens' | 'refilledAt' | 'day' | 'dayCalls' | 'blockedUntil' | 'blockReason'>>;

interface RawRow {
  tokens: number;
  refilled_at: Date;
  day: string;
  day_calls: number;
  blocked_until: Date | null;
  block_reason: string | null;
  time_zone: string | null;
  today: string;
  next_midnight: Date;
}

// The portal's day is computed here, from the instant the service passes in: Postgres knows every time zone HubSpot
// names and turns days into instants across daylight-saving changes.
const LOCKED_ROW = `
  SELECT b.tokens, b.refilled_at, b.day::text AS day, b.day_calls, b.blocked_until, b.block_reason, t.time_zone,
         (?::timestamptz AT TIME ZONE z.zone)::date::text AS today,
         (((?::timestamptz AT TIME ZONE z.zone)::date + 1)::timestamp AT TIME ZONE z.zone) AS next_midnight
    FROM portal_budgets b
    LEFT JOIN hubspot_tokens t ON t.portal_id = b.portal_id
    CROSS JOIN LATERAL (SELECT coalesce(t.time_zone, 'UTC') AS zone) z
   WHERE b.portal_id = ?
     FOR UPDATE OF b`;

/**
 * Locks the portal's budget row (creating it with `initialTokens` the first time), hands it to `decide` as it stands
 * at `now`, saves the change `decide` returns and commits. The lock is held only while deciding, never during a call
 * to HubSpot.
 */
export async function updateBudget<T>(
  db: Knex, portalId: string, now: Date, initialTokens: number, decide: (row: BudgetRow) => { change: BudgetChange; result: T },
): Promise<T> {
  return db.transaction(async (trx) => {
    let row = await lockRow(trx, portalId, now);
    if (!row) {
      await trx('portal_budgets').insert({ portal_id: portalId, tokens: initialTokens, refilled_at: now, day: '1970-01-01', day_calls: 0 })
        .onConflict('portal_id').ignore();
      row = await lockRow(trx, portalId, now);
      if (!row) throw new Error(`portal ${portalId}'s budget row vanished`);
    }
    const { change, result } = decide(row);
    const update: Record<string, unknown> = {};
    if (change.tokens !== undefined) update.tokens = change.tokens;
    if (change.refilledAt !== undefined) update.refilled_at = change.refilledAt;
    if (change.day !== undefined) update.day = change.day;
    if (change.dayCalls !== undefined) update.day_calls = change.dayCalls;
    if (change.blockedUntil !== undefined) update.blocked_until = change.blockedUntil;
    if (change.blockReason !== undefined) update.block_reason = change.blockReason;
    if (Object.keys(update).length > 0) await trx('portal_budgets').where({ portal_id: portalId }).update(update);
    return result;
  });
}

async function lockRow(trx: Knex.Transaction, portalId: string, now: Date): Promise<BudgetRow | null> {
  const { rows } = await trx.raw<{ rows: RawRow[] }>(LOCKED_ROW, [now, now, portalId]);
  const row = rows[0];
  if (!row) return null;
  return {
    tokens: row.tokens, refilledAt: row.refilled_at, day: row.day, dayCalls: row.day_calls,
    blockedUntil: row.blocked_until, blockReason: row.block_reason, timeZone: row.time_zone,
    today: row.today, nextMidnight: row.next_midnight,
  };
}

/**
 * The portal's day's budget is spent (ours, or HubSpot's daily limit): its syncs wait until `until`, its next day.
 * Returns whether this call started the wait (none was in force at `now`), so that however many jobs and workers
 * meet the spent budget, one of them says so.
 */
export async function deferSyncs(db: Knex, portalId: string, until: Date, now: Date): Promise<boolean> {
  const started = await db('portal_budgets').where({ portal_id: portalId })
    .where((q) => { void q.whereNull('deferred_until').orWhere('deferred_until', '<=', now); })
    .update({ deferred_until: until }).returning('portal_id');
  if (started.length > 0) return true;
  await db('portal_budgets').where({ portal_id: portalId }).where('deferred_until', '<', until).update({ deferred_until: until });
  return false;
}

/** When this portal's syncs wait for its next day's budget, or null when they do not at `now`. */
export async function syncsDeferredUntil(db: Knex, portalId: string, now: Date): Promise<Date | null> {
  const row = await db('portal_budgets').where({ portal_id: portalId }).where('deferred_until', '>', now).first<{ deferred_until: Date } | undefined>('deferred_until');
  return row?.deferred_until ?? null;
}

/** Portals whose syncs wait at `now`: until their next day's budget (deferred) or until HubSpot lets them (blocked). */
export async function syncWaits(db: Knex, now: Date): Promise<{ portalId: string; deferredUntil: Date | null; blockedUntil: Date | null }[]> {
  const rows = await db('portal_budgets').where('deferred_until', '>', now).orWhere('blocked_until', '>', now)
    .select<{ portal_id: string; deferred_until: Date | null; blocked_until: Date | null }[]>('portal_id', 'deferred_until', 'blocked_until');
  return rows.map((row) => ({
    portalId: String(row.portal_id),
    deferredUntil: row.deferred_until && row.deferred_until > now ? row.deferred_until : null,
    blockedUntil: row.blocked_until && row.blocked_until > now ? row.blocked_until : null,
  }));
}
