// What posture is computed from: evaluation errors (recorded here), unroutable deals (read from the evaluation
// traces of the active policy), sync failures (the jobs table), syncs deferred for a spent daily budget and other
// incidents, over a window.
import type { Knex } from 'knex';

export async function recordEvaluationError(
  db: Knex, input: { portalId: string; policyVersionId: string | null; dealId: string | null; source: string; message: string; at: string },
): Promise<void> {
  await db('evaluation_errors').insert({
    portal_id: input.portalId, policy_version_id: input.policyVersionId, deal_id: input.dealId, source: input.source,
    message: input.message.slice(0, 2000), occurred_at: input.at,
  });
}

export interface PostureSignals {
  /** Evaluations of the active version that threw. */
  evaluationErrors: number;
  /** Distinct deals the active version evaluated, and how many of them it could not route. */
  evaluatedDeals: number;
  unroutableDeals: number;
  unroutableExamples: string[];
  /** sync_deal jobs parked as dead in the window, and those still retrying (attempts > 1). */
  syncDead: number;
  syncRetrying: number;
  syncExamples: { jobId: string; dealId: string | null; state: string; attempts: number; lastError: string | null }[];
  /** When the portal's syncs wait for its next day's HubSpot budget (ISO), or null when they do not. */
  syncDeferredUntil: string | null;
  /** Incidents in the window other than SLA breaches, dead sync jobs and deferred syncs (counted above) and posture's own. */
  otherIncidents: number;
}

/**
 * Signals for the active version in (since, until] (ISO): what happened at the very instant of an activation belongs
 * to the version before. Evaluation traces are content-addressed (one row per distinct input), so unroutable counts
 * are of deals, not of views.
 */
export async function readPostureSignals(db: Knex, portalId: string, active: { id: string; hash: string }, since: string, until: string): Promise<PostureSignals> {
  const [errors, evaluations, unroutable, sync, incidents, deferred] = await Promise.all([
    db('evaluation_errors').where({ portal_id: portalId, policy_version_id: active.id }).where('occurred_at', '>', since).where('occurred_at', '<=', until)
      .count<{ count: string }[]>('* as count'),
    db('traces').where({ portal_id: portalId, kind: 'evaluation', policy_hash: active.hash }).where('occurred_at', '>', since).where('occurred_at', '<=', until)
      .countDistinct<{ count: string }[]>('deal_id as count'),
    db('traces').where({ portal_id: portalId, kind: 'evaluation', policy_hash: active.hash }).where('occurred_at', '>', since).where('occurred_at', '<=', until)
      .whereRaw(`(output::jsonb #>> '{route,outcome,kind}') = 'unroutable'`)
      .distinct<{ deal_id: string }[]>('deal_id').orderBy('deal_id'),
    db('jobs').where({ portal_id: portalId, kind: 'sync_deal' })
      .where((q) => {
        void q.where((dead) => { void dead.where('state', 'dead').where('finished_at', '>', since).where('finished_at', '<=', until); })
          .orWhere((retrying) => { void retrying.whereIn('state', ['queued', 'running']).where('attempts', '>', 1).where('created_at', '>', since); });
      })
      .orderBy('id', 'desc')
      .select<{ id: string; state: string; attempts: number; last_error: string | null; payload: { dealId?: string } }[]>('id', 'state', 'attempts', 'last_error', 'payload'),
    db('incidents').where({ portal_id: portalId }).where('created_at', '>', since).where('created_at', '<=', until)
      .whereNot('kind', 'dead_sync_deal').whereNot('kind', 'sync_deferred').whereNot('kind', 'like', 'sla%').whereNot('kind', 'like', 'posture%').whereNot('kind', 'like', 'policy_rollback%')
      .count<{ count: string }[]>('* as count'),
    db('portal_budgets').where({ portal_id: portalId }).where('deferred_until', '>', until).first<{ deferred_until: Date } | undefined>('deferred_until'),
  ]);
  return {
    evaluationErrors: Number(errors[0]?.count ?? 0),
    evaluatedDeals: Number(evaluations[0]?.count ?? 0),
    unroutableDeals: unroutable.length,
    unroutableExamples: unroutable.slice(0, 10).map((row) => row.deal_id),
    syncDead: sync.filter((job) => job.state === 'dead').length,
    syncRetrying: sync.filter((job) => job.state !== 'dead').length,
    syncExamples: sync.slice(0, 10).map((job) => ({
      jobId: String(job.id), dealId: job.payload.dealId ?? null, state: job.state, attempts: job.attempts, lastError: job.last_error,
    })),
    syncDeferredUntil: deferred?.deferred_until.toISOString() ?? null,
    otherIncidents: Number(incidents[0]?.count ?? 0),
  };
}
