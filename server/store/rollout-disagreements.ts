// Where a staged candidate and the active version disagree on a deal. The same disagreement seen again (another
// view of an unchanged deal) counts up `seen` instead of adding a row, so the counts are of distinct disagreements.
import type { Knex } from 'knex';
import { hashJson } from '../../src/hash.js';

export type DisagreementKind = 'route' | 'approvers' | 'score' | 'error';

export interface NewDisagreement {
  portalId: string;
  candidateVersionId: string;
  activeVersionId: string;
  dealId: string;
  kinds: DisagreementKind[];
  before: unknown;
  after: unknown;
  source: 'card' | 'request';
  at: string;
}

export async function recordDisagreement(db: Knex, input: NewDisagreement): Promise<void> {
  const fingerprint = hashJson({ active: input.activeVersionId, kinds: input.kinds, before: input.before, after: input.after });
  await db.raw(
    `INSERT INTO policy_disagreements (portal_id, candidate_version_id, active_version_id, deal_id, kinds, before, after, source, fingerprint, first_at, last_at)
     VALUES (?, ?, ?, ?, ?::text[], ?::jsonb, ?::jsonb, ?, ?, ?, ?)
     ON CONFLICT (portal_id, candidate_version_id, deal_id, fingerprint)
     DO UPDATE SET seen = policy_disagreements.seen + 1, last_at = GREATEST(policy_disagreements.last_at, EXCLUDED.last_at)`,
    [input.portalId, input.candidateVersionId, input.activeVersionId, input.dealId, input.kinds, JSON.stringify(input.before), JSON.stringify(input.after),
      input.source, fingerprint, input.at, input.at],
  );
}

export interface DisagreementExample {
  dealId: string;
  kinds: DisagreementKind[];
  before: unknown;
  after: unknown;
  source: string;
  seen: number;
  firstAt: string;
  lastAt: string;
}

export interface DisagreementCounts {
  /** Distinct disagreements recorded. */
  total: number;
  /** Deals with at least one. */
  deals: number;
  /** Deals per kind. */
  byKind: Record<DisagreementKind, number>;
}

/** Counts and the latest examples for one candidate since it was staged (a re-staged version starts afresh). */
export async function summariseDisagreements(
  db: Knex, portalId: string, candidateVersionId: string, since: string, exampleLimit = 10,
): Promise<{ counts: DisagreementCounts; examples: DisagreementExample[] }> {
  const scope = () => db('policy_disagreements').where({ portal_id: portalId, candidate_version_id: candidateVersionId }).where('last_at', '>=', since);
  const [totals, kinds, rows] = await Promise.all([
    scope().first<{ total: string; deals: string }>(db.raw('count(*) AS total'), db.raw('count(DISTINCT deal_id) AS deals')),
    scope().select<{ kind: DisagreementKind; deals: string }[]>(db.raw('unnest(kinds) AS kind'), db.raw('count(DISTINCT deal_id) AS deals')).groupBy('kind'),
    scope().orderBy([{ column: 'last_at', order: 'desc' }, { column: 'id', order: 'desc' }]).limit(exampleLimit)
      .select<{ deal_id: string; kinds: DisagreementKind[]; before: unknown; after: unknown; source: string; seen: number; first_at: Date; last_at: Date }[]>(
        'deal_id', 'kinds', 'before', 'after', 'source', 'seen', 'first_at', 'last_at'),
  ]);
  const byKind: Record<DisagreementKind, number> = { route: 0, approvers: 0, score: 0, error: 0 };
  for (const row of kinds) byKind[row.kind] = Number(row.deals);
  return {
    counts: { total: Number(totals?.total ?? 0), deals: Number(totals?.deals ?? 0), byKind },
    examples: rows.map((row) => ({
      dealId: row.deal_id, kinds: row.kinds, before: row.before, after: row.after, source: row.source, seen: row.seen,
      firstAt: row.first_at.toISOString(), lastAt: row.last_at.toISOString(),
    })),
  };
}
