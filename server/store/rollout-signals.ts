// What posture is computed from: evaluation errors (recorded here), unroutable deals (read from the evaluation
// traces of the active policy), sync failures (the jobs table), syncs deferred for a spent daily budget and other
// incidents, over a window; and which portals posture is assessed for.
import type { Knex } from 'knex';
import { syncsDeferredUntil } from './budgets.js';
import { countIncidentsBetween } from './incidents.js';
import { syncFailures, type SyncFailure } from './jobs.js';

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
  syncExamples: SyncFailure[];
  /** When the portal's syncs wait for its next day's HubSpot budget (ISO), or null when they do not. */
  syncDeferredUntil: string | null;
  /** Incidents in the window other than SLA breaches, dead sync jobs and deferred syncs (counted above), posture's own and gate overrides. */
  otherIncidents: number;
}

/** Incident kinds (by prefix) that are counted as signals of their own, or are posture's own, not as other incidents. */
const COUNTED_APART = ['dead_sync_deal', 'sync_deferred', 'sla', 'posture', 'policy_rollback', 'gate_override'];

/**
 * Signals for the active version in (since, until] (ISO): what happened at the very instant of an activation belongs
 * to the version before. Evaluation traces are content-addressed (one row per distinct input), so unroutable counts
 * are of deals, not of views.
 */
export async function readPostureSignals(db: Knex, portalId: string, active: { id: string; hash: string }, since: string, until: string): Promise<PostureSignals> {
  const [errors, evaluations, unroutable, sync, otherIncidents, deferred] = await Promise.all([
    db('evaluation_errors').where({ portal_id: portalId, policy_version_id: active.id }).where('occurred_at', '>', since).where('occurred_at', '<=', until)
      .count<{ count: string }[]>('* as count'),
    db('traces').where({ portal_id: portalId, kind: 'evaluation', policy_hash: active.hash }).where('occurred_at', '>', since).where('occurred_at', '<=', until)
      .countDistinct<{ count: string }[]>('deal_id as count'),
    db('traces').where({ portal_id: portalId, kind: 'evaluation', policy_hash: active.hash }).where('occurred_at', '>', since).where('occurred_at', '<=', until)
      .whereRaw(`trace_route_outcome(output) = 'unroutable'`)
      .distinct<{ deal_id: string }[]>('deal_id').orderBy('deal_id'),
    syncFailures(db, portalId, since, until),
    countIncidentsBetween(db, portalId, since, until, COUNTED_APART),
    syncsDeferredUntil(db, portalId, new Date(until)),
  ]);
  return {
    evaluationErrors: Number(errors[0]?.count ?? 0),
    evaluatedDeals: Number(evaluations[0]?.count ?? 0),
    unroutableDeals: unroutable.length,
    unroutableExamples: unroutable.slice(0, 10).map((row) => row.deal_id),
    syncDead: sync.filter((job) => job.state === 'dead').length,
    syncRetrying: sync.filter((job) => job.state !== 'dead').length,
    syncExamples: sync.slice(0, 10),
    syncDeferredUntil: deferred?.toISOString() ?? null,
    otherIncidents,
  };
}

/** Every installed portal with an active policy, by id. */
export async function portalsToAssess(db: Knex): Promise<string[]> {
  const rows = await db('portals as p').join('policy_versions as v', function () { this.on('v.portal_id', '=', 'p.id').andOn('v.is_active', '=', db.raw('true')); })
    .whereNot('p.install_state', 'uninstalled').orderBy('p.id').select<{ id: string }[]>('p.id');
  return rows.map((row) => String(row.id));
}
