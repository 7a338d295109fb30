// Enqueueing jobs: always inside the caller's transaction, so a job exists exactly when its cause committed.
import type { Knex } from 'knex';
import type { Statement } from '../db/prepared.js';

export type JobKind =
  /** Write a request's outcome to the deal's approval_router_* properties (batched per portal). */
  | 'sync_deal'
  /** An SLA timer: remind before the due time, escalate at it. */
  | 'sla_timer'
  /** Process one stored webhook event. */
  | 'webhook_event'
  /** Move a deal back out of a gated stage it entered without approval. */
  | 'gate_rollback';

export interface NewJob {
  portalId: string;
  kind: JobKind;
  /** Queued jobs with the same portal, kind and key coalesce: the newest payload replaces the older one. */
  key: string;
  payload: unknown;
  /** When the job may run (ISO); when absent, the `at` it is enqueued at. */
  runAt?: string;
}

/** How a job coalesces with a queued one of the same portal, kind and key: the newest payload, the earliest time. */
export const COALESCE_QUEUED = `ON CONFLICT (portal_id, kind, key) WHERE state = 'queued'
     DO UPDATE SET payload = EXCLUDED.payload, run_at = LEAST(jobs.run_at, EXCLUDED.run_at)`;

/**
 * Many jobs in one statement (a webhook batch); repeated keys in the batch keep their last payload. `at` is the
 * service's clock: it stamps the jobs and is when a job without a `runAt` becomes due (the database's clock decides
 * nothing).
 */
export async function enqueueJobs(db: Knex, jobs: readonly NewJob[], at: string): Promise<void> {
  const insert = jobsInsert(jobs, at);
  if (insert) await db.raw(insert.sql, insert.bindings as Knex.RawBinding[]);
}

/** The statement that enqueues these jobs (for a caller that sends it inside a larger one), or null for none. */
export function jobsInsert(jobs: readonly NewJob[], at: string): Statement | null {
  const unique = [...new Map(jobs.map((job) => [`${job.portalId}\u0000${job.kind}\u0000${job.key}`, job])).values()];
  if (unique.length === 0) return null;
  return {
    sql: `INSERT INTO jobs (portal_id, kind, key, payload, run_at, created_at)
     SELECT portal_id::bigint, kind, key, payload::jsonb, run_at::timestamptz, ?::timestamptz
     FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[]) AS t(portal_id, kind, key, payload, run_at)
     ${COALESCE_QUEUED}`,
    bindings: [at, unique.map((j) => j.portalId), unique.map((j) => j.kind), unique.map((j) => j.key), unique.map((j) => JSON.stringify(j.payload)), unique.map((j) => j.runAt ?? at)],
  };
}

export async function enqueueJob(db: Knex, job: NewJob, at: string): Promise<void> {
  await enqueueJobs(db, [job], at);
}

/**
 * Deletes finished jobs that finished more than `days` ago, at most `limit` at a time; returns how many. Dead jobs
 * stay (an incident points at each). Claims never read finished jobs, but the table and its indexes would grow by
 * every state change and webhook event for good.
 */
export async function pruneFinishedJobs(db: Knex, days: number, now: Date, limit = 10_000): Promise<number> {
  const result = await db.raw<{ rowCount: number }>(
    `DELETE FROM jobs WHERE id = ANY (ARRAY(
       SELECT id FROM jobs WHERE state = 'done' AND finished_at < ?::timestamptz - (? * interval '1 day') ORDER BY finished_at LIMIT ?))`,
    [now.toISOString(), days, limit],
  );
  return result.rowCount;
}

/** Unfinished and dead jobs by kind and state, across portals (finished ones are not counted). */
export async function countOpenJobs(db: Knex): Promise<{ kind: JobKind; state: 'queued' | 'running' | 'dead'; count: number }[]> {
  const rows = await db('jobs').whereIn('state', ['queued', 'running', 'dead']).select('kind', 'state')
    .count<{ kind: JobKind; state: 'queued' | 'running' | 'dead'; count: string }[]>('* as count').groupBy('kind', 'state');
  return rows.map((row) => ({ kind: row.kind, state: row.state, count: Number(row.count) }));
}

/**
 * Seconds since the oldest queued sync was enqueued, at `now`, or 0 with none. A sync waiting for a retry or for
 * its portal's next day's budget counts: it is as unsent as a due one.
 */
export async function oldestQueuedSyncAge(db: Knex, now: string): Promise<number> {
  const row = await db('jobs').where({ kind: 'sync_deal', state: 'queued' })
    .first<{ lag: string | null }>(db.raw('GREATEST(0, EXTRACT(EPOCH FROM ?::timestamptz - min(created_at))) AS lag', [now]));
  return Number(row?.lag ?? 0);
}
