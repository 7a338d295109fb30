// Per-portal HubSpot budgets shared by every worker process: a token bucket under HubSpot's rate limit for OAuth
// apps (about 110 requests per 10 s; we spend at most `perTenSeconds`), and a daily call budget. One row per
// portal, updated under a row lock, so two workers never spend the same token.
import type { Knex } from 'knex';

export interface BudgetLimits {
  perTenSeconds: number;
  daily: number;
}

export type BudgetVerdict = { ok: true } | { ok: false; retryAfterSeconds: number; reason: 'rate' | 'daily' | 'blocked' };

export async function takeBudget(db: Knex, portalId: string, calls: number, limits: BudgetLimits, now: Date): Promise<BudgetVerdict> {
  return db.transaction(async (trx) => {
    const today = now.toISOString().slice(0, 10);
    await trx.raw(
      `INSERT INTO portal_budgets (portal_id, tokens, refilled_at, day, day_calls) VALUES (?, ?, ?, ?, 0) ON CONFLICT (portal_id) DO NOTHING`,
      [portalId, limits.perTenSeconds, now, today],
    );
    const row = await trx('portal_budgets').where({ portal_id: portalId }).forUpdate()
      .first<{ tokens: number; refilled_at: Date; day: Date | string; day_calls: number; blocked_until: Date | null }>();
    if (!row) throw new Error('portal budget row vanished');
    if (row.blocked_until && row.blocked_until > now) {
      return { ok: false, retryAfterSeconds: Math.ceil((row.blocked_until.getTime() - now.getTime()) / 1000), reason: 'blocked' } as const;
    }
    const rowDay = typeof row.day === 'string' ? row.day.slice(0, 10) : row.day.toISOString().slice(0, 10);
    const dayCalls = rowDay === today ? row.day_calls : 0;
    if (dayCalls + calls > limits.daily) {
      const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
      return { ok: false, retryAfterSeconds: Math.ceil((midnight - now.getTime()) / 1000), reason: 'daily' } as const;
    }
    const refillPerSecond = limits.perTenSeconds / 10;
    const elapsed = Math.max(0, (now.getTime() - row.refilled_at.getTime()) / 1000);
    const tokens = Math.min(limits.perTenSeconds, row.tokens + elapsed * refillPerSecond);
    if (tokens < calls) {
      await trx('portal_budgets').where({ portal_id: portalId }).update({ tokens, refilled_at: now, day: today, day_calls: dayCalls });
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((calls - tokens) / refillPerSecond)), reason: 'rate' } as const;
    }
    await trx('portal_budgets').where({ portal_id: portalId }).update({ tokens: tokens - calls, refilled_at: now, day: today, day_calls: dayCalls + calls });
    return { ok: true } as const;
  });
}

/**
 * The portal's day's budget is spent (ours, or HubSpot's daily limit): its syncs wait until `until`, the next day.
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

/** After a 429, nobody calls HubSpot for this portal until the time HubSpot named. */
export async function blockPortal(db: Knex, portalId: string, until: Date): Promise<void> {
  await db('portal_budgets').where({ portal_id: portalId }).update({ blocked_until: until, tokens: 0 });
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
