// Posture's history per portal: the posture recorded now (portal_postures) and every transition with its reasons
// (posture_transitions). A transition is written only when the posture differs from the recorded one, under that
// row's lock, so workers assessing the same portal at once record it once.
import type { Knex } from 'knex';

export type PostureName = 'healthy' | 'degraded' | 'critical';

export interface PostureTransitionRow {
  id: string;
  at: string;
  from: PostureName | null;
  to: PostureName;
  reasons: string[];
  versionId: string | null;
  version: number | null;
  signals: unknown;
}

/**
 * Records `posture` as the portal's posture at `at`; when it differs from the one recorded (or none was), appends a
 * transition. Answers the transition, or null when the posture did not change.
 */
export async function recordPosture(
  db: Knex, portalId: string, posture: { to: PostureName; at: string; reasons: string[]; versionId: string | null; signals: unknown },
): Promise<{ id: string; from: PostureName | null } | null> {
  return db.transaction(async (trx) => {
    // Insert the first posture, or take the row's lock; either way a concurrent writer waits here.
    const inserted = await trx('portal_postures').insert({ portal_id: portalId, posture: posture.to, since: posture.at })
      .onConflict('portal_id').ignore().returning<{ posture: string }[]>('posture');
    let from: PostureName | null = null;
    if (inserted.length === 0) {
      const current = await trx('portal_postures').where({ portal_id: portalId }).forUpdate().first<{ posture: PostureName } | undefined>('posture');
      if (!current || current.posture === posture.to) return null;
      from = current.posture;
      await trx('portal_postures').where({ portal_id: portalId }).update({ posture: posture.to, since: posture.at });
    }
    const [row] = await trx('posture_transitions').insert({
      portal_id: portalId, at: posture.at, from_posture: from, to_posture: posture.to, reasons: JSON.stringify(posture.reasons),
      policy_version_id: posture.versionId, signals: posture.signals === null ? null : JSON.stringify(posture.signals),
    }).returning<{ id: string }[]>('id');
    return { id: String(row?.id), from };
  });
}

interface TransitionRow {
  id: string;
  at: Date;
  from_posture: PostureName | null;
  to_posture: PostureName;
  reasons: string[];
  policy_version_id: string | null;
  version: number | null;
  signals: unknown;
}

const toTransition = (row: TransitionRow): PostureTransitionRow => ({
  id: String(row.id), at: row.at.toISOString(), from: row.from_posture, to: row.to_posture, reasons: row.reasons,
  versionId: row.policy_version_id === null ? null : String(row.policy_version_id), version: row.version, signals: row.signals,
});

const transitions = (db: Knex, portalId: string) => db('posture_transitions as t')
  .leftJoin('policy_versions as v', 'v.id', 't.policy_version_id')
  .where('t.portal_id', portalId)
  .select('t.id', 't.at', 't.from_posture', 't.to_posture', 't.reasons', 't.policy_version_id', 'v.version', 't.signals');

/** The portal's transitions, newest first. */
export async function listPostureTransitions(db: Knex, portalId: string, limit: number): Promise<PostureTransitionRow[]> {
  const rows = await transitions(db, portalId).orderBy('t.id', 'desc').limit(limit) as TransitionRow[];
  return rows.map(toTransition);
}

/** Transitions to critical in [since, until], and the posture in force at `since` when it was critical; oldest first. */
export async function criticalPostureBetween(db: Knex, portalId: string, since: string, until: string): Promise<PostureTransitionRow[]> {
  // One after the other: the promotion gate reads these inside the activation's transaction, one connection.
  const before = await (transitions(db, portalId).where('t.at', '<', since).orderBy('t.id', 'desc').first() as Promise<TransitionRow | undefined>);
  const during = await (transitions(db, portalId).where('t.to_posture', 'critical').where('t.at', '>=', since).where('t.at', '<=', until).orderBy('t.id') as Promise<TransitionRow[]>);
  return [...(before?.to_posture === 'critical' ? [before] : []), ...during].map(toTransition);
}

/** Each installed portal's posture as last recorded, whichever worker recorded it; by portal. */
export async function currentPostures(db: Knex): Promise<{ portalId: string; posture: PostureName }[]> {
  const rows = await db('portal_postures as pp').join('portals as p', 'p.id', 'pp.portal_id').whereNot('p.install_state', 'uninstalled')
    .orderBy('pp.portal_id').select<{ portal_id: string; posture: PostureName }[]>('pp.portal_id', 'pp.posture');
  return rows.map((row) => ({ portalId: String(row.portal_id), posture: row.posture }));
}
