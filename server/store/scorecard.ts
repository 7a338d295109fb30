// The scorecard's own rows (a portal's targets and baseline, posture's last judgement of the targets) and what it reads beside the requests: when the portal's
// first request came, the policy versions rolled back in a period, and the trace rows its items point at.
import type { Knex } from 'knex';
import type { Baseline, ScorecardTargets, TraceRef } from '../../src/contract/scorecard.js';

export interface StoredTargets {
  targets: ScorecardTargets;
  version: number;
  updatedBy: string;
  updatedAt: string;
}

export async function readTargets(db: Knex, portalId: string): Promise<StoredTargets | null> {
  const row = await db('scorecard_targets').where({ portal_id: portalId })
    .first<{ targets: ScorecardTargets; version: number; updated_by: string; updated_at: Date } | undefined>();
  return row ? { targets: row.targets, version: row.version, updatedBy: row.updated_by, updatedAt: row.updated_at.toISOString() } : null;
}

/** Saves the portal's targets and moves their version on; returns the new version. Run with the portal's row locked. */
export async function saveTargets(trx: Knex.Transaction, portalId: string, targets: ScorecardTargets, by: string, at: string): Promise<number> {
  const [row] = await trx('scorecard_targets')
    .insert({ portal_id: portalId, targets: JSON.stringify(targets), version: 1, updated_by: by, updated_at: at })
    .onConflict('portal_id')
    .merge({ targets: JSON.stringify(targets), version: trx.raw('scorecard_targets.version + 1'), updated_by: by, updated_at: at })
    .returning<{ version: number }[]>('version');
  if (!row) throw new Error('saving the targets returned no row');
  return row.version;
}

export interface StoredBaseline {
  version: number;
  source: Baseline['source'];
  /** null while a first-30-days baseline waits for its 30 days. */
  baseline: Baseline | null;
}

export async function readBaseline(db: Knex, portalId: string): Promise<StoredBaseline | null> {
  const row = await db('scorecard_baselines').where({ portal_id: portalId })
    .first<{ version: number; source: Baseline['source']; baseline: Baseline | null } | undefined>();
  return row ? { version: row.version, source: row.source, baseline: row.baseline } : null;
}

/** An admin's write: an imported baseline, or null to return to the first 30 days. Returns the new version. */
export async function saveBaseline(trx: Knex.Transaction, portalId: string, source: Baseline['source'], baseline: Baseline | null): Promise<number> {
  const value = baseline === null ? null : JSON.stringify(baseline);
  const [row] = await trx('scorecard_baselines')
    .insert({ portal_id: portalId, version: 1, source, baseline: value })
    .onConflict('portal_id')
    .merge({ version: trx.raw('scorecard_baselines.version + 1'), source, baseline: value })
    .returning<{ version: number }[]>('version');
  if (!row) throw new Error('saving the baseline returned no row');
  return row.version;
}

/**
 * Fixes the first-30-days baseline once its days have passed, unless one is already there (fixed by another reader,
 * or imported meanwhile): the version stays, since no admin changed anything. Returns the stored row.
 */
export async function fixFirstDaysBaseline(db: Knex, portalId: string, baseline: Baseline): Promise<StoredBaseline> {
  const value = JSON.stringify(baseline);
  await db('scorecard_baselines')
    .insert({ portal_id: portalId, version: 0, source: 'first_30_days', baseline: value })
    .onConflict('portal_id')
    .merge({ baseline: value })
    .where('scorecard_baselines.source', 'first_30_days')
    .whereNull('scorecard_baselines.baseline');
  const stored = await readBaseline(db, portalId);
  if (!stored) throw new Error('the baseline row vanished');
  return stored;
}

/** When the portal's first request was opened (ISO), or null before any. */
export async function firstRequestAt(db: Knex, portalId: string): Promise<string | null> {
  const row = await db('approval_requests').where({ portal_id: portalId }).min<{ first: Date | null }[]>('created_at as first');
  return row[0]?.first?.toISOString() ?? null;
}

export interface RolledBackVersion {
  version: number;
  at: string;
  reason: string | null;
}

/** Policy versions rolled back in [from, to), oldest first. */
export async function rollbacksBetween(db: Knex, portalId: string, from: string, to: string): Promise<RolledBackVersion[]> {
  const rows = await db('policy_versions').where({ portal_id: portalId }).where('rolled_back_at', '>=', from).where('rolled_back_at', '<', to)
    .orderBy('rolled_back_at').orderBy('version')
    .select<{ version: number; rolled_back_at: Date; rolled_back_reason: string | null }[]>('version', 'rolled_back_at', 'rolled_back_reason');
  return rows.map((row) => ({ version: row.version, at: row.rolled_back_at.toISOString(), reason: row.rolled_back_reason }));
}

export type RollbackTrace = TraceRef & { fromVersion: number | null; toVersion: number | null; reason: string | null };

/**
 * The rollout traces of rollbacks in [from, to): which version each left and returned to, why, and its hash. The
 * trace keeps every rollback, where a version's row keeps only its latest.
 */
export async function rollbackTraces(db: Knex, portalId: string, from: string, to: string): Promise<RollbackTrace[]> {
  const rows = await db('traces').where({ portal_id: portalId, kind: 'rollout' }).where('occurred_at', '>=', from).where('occurred_at', '<', to)
    .whereRaw(`(input::jsonb ->> 'command') = 'rollback'`)
    .orderBy('seq')
    .select<(TraceRow & { from_version: string | null; to_version: string | null; reasons: unknown; reason: string | null })[]>(
      'hash', 'seq', 'kind', 'occurred_at', 'request_id', 'deal_id',
      db.raw(`input::jsonb ->> 'from' as from_version`), db.raw(`input::jsonb ->> 'to' as to_version`),
      db.raw(`input::jsonb -> 'reasons' as reasons`), db.raw(`input::jsonb ->> 'reason' as reason`),
    );
  const version = (text: string | null) => (text !== null && /^\d+$/.test(text) ? Number(text) : null);
  const reasonOf = (row: { reasons: unknown; reason: string | null }) => {
    const listed = Array.isArray(row.reasons) ? row.reasons.filter((r): r is string => typeof r === 'string') : [];
    return listed.length > 0 ? listed.join('; ') : row.reason;
  };
  return rows.map((row) => ({ ...toTraceRef(row), fromVersion: version(row.from_version), toVersion: version(row.to_version), reason: reasonOf(row) }));
}

interface TraceRow { hash: string; seq: string; kind: string; occurred_at: string; request_id: string | null; deal_id: string | null }

const toTraceRef = (row: TraceRow): TraceRef => ({
  hash: row.hash, seq: Number(row.seq), kind: row.kind, occurredAt: row.occurred_at, requestId: row.request_id, dealId: row.deal_id,
});

/** Each request's latest trace row before `before` (ISO), by request id. */
export async function latestRequestTraces(db: Knex, portalId: string, requestIds: readonly string[], before: string): Promise<Map<string, TraceRef>> {
  if (requestIds.length === 0) return new Map();
  const rows = await db('traces').distinctOn('request_id').where({ portal_id: portalId }).whereIn('request_id', [...new Set(requestIds)])
    .where('occurred_at', '<', before)
    .orderBy('request_id').orderBy('seq', 'desc')
    .select<TraceRow[]>('hash', 'seq', 'kind', 'occurred_at', 'request_id', 'deal_id');
  return new Map(rows.map((row) => [row.request_id ?? '', toTraceRef(row)]));
}

/** Posture's last judgement of the portal's targets: the sentences of those missed, and what they were judged for. */
export interface TargetJudgement {
  policyVersionId: string;
  targetsVersion: number;
  judgedAt: string;
  missed: string[];
}

export async function readTargetJudgement(db: Knex, portalId: string): Promise<TargetJudgement | null> {
  const row = await db('target_judgements').where({ portal_id: portalId })
    .first<{ policy_version_id: string; targets_version: number; judged_at: Date; missed: string[] } | undefined>();
  return row ? { policyVersionId: String(row.policy_version_id), targetsVersion: row.targets_version, judgedAt: row.judged_at.toISOString(), missed: row.missed } : null;
}

export async function saveTargetJudgement(db: Knex, portalId: string, judgement: TargetJudgement): Promise<void> {
  const row = {
    policy_version_id: judgement.policyVersionId, targets_version: judgement.targetsVersion, judged_at: judgement.judgedAt,
    missed: JSON.stringify(judgement.missed),
  };
  await db('target_judgements').insert({ portal_id: portalId, ...row }).onConflict('portal_id').merge(row);
}
