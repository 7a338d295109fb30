// The rollout columns of policy versions: the one staged candidate per portal, when a version proved stable, and
// when posture rolled one back. Activation itself stays in policies.ts.
import type { Knex } from 'knex';
import { toVersion, type PolicyRow, type PolicyVersion } from './policies.js';

interface RolloutRow extends PolicyRow {
  is_candidate: boolean;
  staged_by: string | null;
  staged_at: Date | null;
  stable_at: Date | null;
  rolled_back_at: Date | null;
  rolled_back_reason: string | null;
  rolled_back_by: string | null;
}

export interface RolloutVersion extends PolicyVersion {
  isCandidate: boolean;
  stagedBy: string | null;
  stagedAt: string | null;
  stableAt: string | null;
  rolledBackAt: string | null;
  rolledBackReason: string | null;
  /** `posture` when posture rolled it back for critical posture; else the admin who did. */
  rolledBackBy: string | null;
}

const toRolloutVersion = (row: RolloutRow): RolloutVersion => ({
  ...toVersion(row),
  isCandidate: row.is_candidate,
  stagedBy: row.staged_by,
  stagedAt: row.staged_at?.toISOString() ?? null,
  stableAt: row.stable_at?.toISOString() ?? null,
  rolledBackAt: row.rolled_back_at?.toISOString() ?? null,
  rolledBackReason: row.rolled_back_reason,
  rolledBackBy: row.rolled_back_by,
});

/** Who rolls a version back when posture does it. */
export const POSTURE_ROLLBACK = 'posture';

export interface RolloutState {
  candidate: RolloutVersion | null;
  /** The version rolled back most recently, if any. */
  lastRolledBack: RolloutVersion | null;
}

/** The staged candidate and the last rolled-back version, in one statement. */
export async function rolloutState(db: Knex, portalId: string): Promise<RolloutState> {
  const rows = await db('policy_versions').where({ portal_id: portalId })
    .where((q) => {
      void q.where('is_candidate', true).orWhere('id', db('policy_versions').where({ portal_id: portalId }).whereNotNull('rolled_back_at')
        .orderBy('rolled_back_at', 'desc').limit(1).select('id'));
    })
    .select<RolloutRow[]>('*');
  const versions = rows.map(toRolloutVersion);
  return {
    candidate: versions.find((v) => v.isCandidate) ?? null,
    lastRolledBack: versions.filter((v) => v.rolledBackAt !== null).sort((a, b) => (b.rolledBackAt ?? '').localeCompare(a.rolledBackAt ?? ''))[0] ?? null,
  };
}

export async function rolloutVersion(db: Knex, portalId: string, where: { id: string } | { version: number } | { active: true }): Promise<RolloutVersion | null> {
  const filter = 'active' in where ? { is_active: true } : where;
  const row = await db('policy_versions').where({ portal_id: portalId, ...filter }).first<RolloutRow | undefined>();
  return row ? toRolloutVersion(row) : null;
}

export async function stageCandidate(trx: Knex.Transaction, portalId: string, id: string, by: string, at: string): Promise<void> {
  await trx('policy_versions').where({ portal_id: portalId, is_candidate: true }).update({ is_candidate: false });
  await trx('policy_versions').where({ portal_id: portalId, id }).update({ is_candidate: true, staged_by: by, staged_at: at });
}

export async function clearCandidate(trx: Knex.Transaction, portalId: string): Promise<void> {
  await trx('policy_versions').where({ portal_id: portalId, is_candidate: true }).update({ is_candidate: false });
}

export async function markStable(db: Knex, portalId: string, id: string, at: string): Promise<void> {
  await db('policy_versions').where({ portal_id: portalId, id }).update({ stable_at: at });
}

export async function markRolledBack(trx: Knex.Transaction, portalId: string, id: string, rollback: { at: string; reason: string; by: string }): Promise<void> {
  await trx('policy_versions').where({ portal_id: portalId, id })
    .update({ rolled_back_at: rollback.at, rolled_back_reason: rollback.reason, rolled_back_by: rollback.by, is_candidate: false });
}

/** Every version of the portal with its rollout state, newest first. */
export async function listRolloutVersions(db: Knex, portalId: string): Promise<RolloutVersion[]> {
  const rows = await db('policy_versions').where({ portal_id: portalId }).orderBy('version', 'desc').select<RolloutRow[]>('*');
  return rows.map(toRolloutVersion);
}

/** The most recently proven version other than `exceptId`: where a rollback returns to. */
export async function lastStableVersion(db: Knex, portalId: string, exceptId: string): Promise<RolloutVersion | null> {
  const row = await db('policy_versions').where({ portal_id: portalId }).whereNot({ id: exceptId }).whereNotNull('stable_at')
    .orderBy('stable_at', 'desc').first<RolloutRow | undefined>();
  return row ? toRolloutVersion(row) : null;
}
