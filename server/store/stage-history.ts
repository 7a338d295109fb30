// Each deal's stage history as we observed and acted on it: what a rollback writes back, and the clock that
// tells a late, older stage event from a current one.
import type { Knex } from 'knex';

export type StageSource = 'hubspot' | 'shadow' | 'blocked' | 'rollback' | 'flagged';

export interface StageRow {
  id: string;
  stage: string;
  pipeline: string | null;
  occurredAt: Date;
  source: StageSource;
  webhookEventId: string | null;
  detail: Record<string, unknown>;
  followedUpAt: Date | null;
}

interface RawStageRow {
  id: string;
  stage: string;
  pipeline: string | null;
  occurred_at: Date;
  source: StageSource;
  webhook_event_id: string | null;
  detail: Record<string, unknown>;
  followed_up_at: Date | null;
}

const toStageRow = (row: RawStageRow): StageRow => ({
  id: String(row.id),
  stage: row.stage,
  pipeline: row.pipeline,
  occurredAt: row.occurred_at,
  source: row.source,
  webhookEventId: row.webhook_event_id === null ? null : String(row.webhook_event_id),
  detail: row.detail,
  followedUpAt: row.followed_up_at,
});

export interface NewStageRow {
  portalId: string;
  dealId: string;
  stage: string;
  pipeline: string | null;
  occurredAt: Date;
  source: StageSource;
  webhookEventId: string | null;
  detail?: Record<string, unknown>;
  /** When we recorded it, by the service's clock (occurredAt is when HubSpot says the stage changed). */
  recordedAt: string;
}

/** Inserts the row unless this event already produced one of this source; returns the row either way. */
export async function recordStage(db: Knex, row: NewStageRow): Promise<{ row: StageRow; inserted: boolean }> {
  const [inserted] = await db('deal_stage_history').insert({
    portal_id: row.portalId,
    deal_id: row.dealId,
    stage: row.stage,
    pipeline: row.pipeline,
    occurred_at: row.occurredAt,
    source: row.source,
    webhook_event_id: row.webhookEventId,
    detail: JSON.stringify(row.detail ?? {}),
    recorded_at: row.recordedAt,
  }).onConflict().ignore().returning<RawStageRow[]>('*');
  if (inserted) return { row: toStageRow(inserted), inserted: true };
  const existing = row.webhookEventId === null ? undefined
    : await db('deal_stage_history').where({ webhook_event_id: row.webhookEventId, source: row.source }).first<RawStageRow | undefined>();
  if (!existing) throw new Error('deal_stage_history: the insert was ignored but no existing row was found');
  return { row: toStageRow(existing), inserted: false };
}

/** The newest instant we know the deal's stage at; an older stage event is stale. */
export async function latestStageInstant(db: Knex, portalId: string, dealId: string): Promise<Date | null> {
  const row = await db('deal_stage_history').where({ portal_id: portalId, deal_id: dealId })
    .max<{ latest: Date | null }>('occurred_at as latest').first();
  return row?.latest ?? null;
}

/** Newest first. */
export async function stageHistory(db: Knex, portalId: string, dealId: string, limit = 50): Promise<StageRow[]> {
  const rows = await db('deal_stage_history').where({ portal_id: portalId, deal_id: dealId })
    .orderBy([{ column: 'occurred_at', order: 'desc' }, { column: 'id', order: 'desc' }]).limit(limit).select<RawStageRow[]>('*');
  return rows.map(toStageRow);
}

/** The rollback or flag row answering a blocked event, if the gate already acted on it. */
export async function gateActionFor(db: Knex, webhookEventId: string): Promise<StageRow | null> {
  const row = await db('deal_stage_history').where({ webhook_event_id: webhookEventId }).whereIn('source', ['rollback', 'flagged'])
    .first<RawStageRow | undefined>();
  return row ? toStageRow(row) : null;
}

export async function markFollowedUp(db: Knex, id: string, detail: Record<string, unknown>, at: string): Promise<void> {
  await db('deal_stage_history').where({ id }).update({
    followed_up_at: at,
    detail: db.raw('detail || ?::jsonb', [JSON.stringify(detail)]),
  });
}

/** The rep's note about this gate action is on the deal: a retry does not add it again. */
export async function markNoteAdded(db: Knex, id: string): Promise<void> {
  await db('deal_stage_history').where({ id }).update({ detail: db.raw(`detail || '{"noteAdded": true}'::jsonb`) });
}

/** Serialises everything that reads and writes one deal's stage history, inside the caller's transaction. */
export async function lockDealStages(trx: Knex.Transaction, portalId: string, dealId: string): Promise<void> {
  await trx.raw('SELECT pg_advisory_xact_lock(hashtextextended(?, 0))', [`deal-stage:${portalId}:${dealId}`]);
}
