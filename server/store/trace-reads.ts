// Reads over the traces beside the chain itself (store/traces.ts): replay's pages of evaluations and the documents
// they name, and how many deals a policy version evaluated over a period (the staged rollout's agreement rate).
import type { Knex } from 'knex';
import type { TraceRow } from './traces.js';

/** Evaluation traces after `afterId`, oldest first, optionally of one portal and from an instant on. */
export async function evaluationTracesPage(
  db: Knex, page: { afterId: number; limit: number; portalId?: string; since?: string },
): Promise<TraceRow[]> {
  let query = db('traces').where({ kind: 'evaluation' }).andWhere('id', '>', page.afterId).orderBy('id').limit(page.limit);
  if (page.portalId) query = query.andWhere({ portal_id: page.portalId });
  if (page.since) query = query.andWhere('occurred_at', '>=', page.since);
  return query.select<TraceRow[]>('*');
}

/** Distinct deals the portal evaluated under the policy with this hash since the instant. */
export async function countDealsEvaluated(db: Knex, portalId: string, policyHash: string, since: string): Promise<number> {
  const [row] = await db('traces').where({ portal_id: portalId, kind: 'evaluation', policy_hash: policyHash }).where('occurred_at', '>=', since)
    .countDistinct<{ count: string }[]>('deal_id as count');
  return Number(row?.count ?? 0);
}

/** A stored policy or directory document's canonical text, by its hash; null when it is missing. */
export async function traceDocument(db: Knex, hash: string): Promise<string | null> {
  const row = await db('trace_documents').where({ hash }).first<{ body: string } | undefined>();
  return row?.body ?? null;
}
