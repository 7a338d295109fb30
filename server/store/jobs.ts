// The jobs table: enqueueing (always inside the caller's transaction, so a job exists exactly when its cause
// committed), claiming with FOR UPDATE SKIP LOCKED (so any number of worker processes share the table), and
// recording what became of a job. Every time is the service's clock, passed in: the database's now() decides nothing.
import type { Knex } from 'knex';
import { namedStatement } from '../db/database.js';

const enqueueJobsStatement = namedStatement('enqueue-jobs');

export type JobKind =
  /** Write a request's outcome to the deal's approval_router_* properties (batched per portal). */
  | 'sync_deal'
  /** An SLA timer: remind before the due time, escalate at it. */
  | 'sla_timer'
  /** Process one stored webhook event. */
  | 'webhook_event'
  /** Move a deal back out of a gated stage it entered without approval. */
  | 'gate_rollback'
  /** A request changed: tell the people it concerns, one job per channel the portal uses (use-cases/notify). */
  | 'notify'
  /** The HubSpot channel: a change's tasks and timeline notes (use-cases/notify/hubspot-channel.ts). */
  | 'hubspot_notify'
  /** Email the approvers of a step that started, with one-click links (use-cases/notify/email-channel.ts). */
  | 'notify_email'
  /** A request changed: post to its approvers in Slack, or update what was posted (use-cases/notify/slack-notifications). */
  | 'notify_slack'
  /** An incident about a deal stayed open: a task for the deal owner or the escalation target (use-cases/admin). */
  | 'incident_follow_up';

export interface NewJob {
  portalId: string;
  kind: JobKind;
  /** Queued jobs with the same portal, kind and key coalesce: the newest payload replaces the older one. */
  key: string;
  payload: unknown;
  /** When the job may run (ISO); when absent, the `at` it is enqueued at. */
  runAt?: string;
}

export interface ClaimedJob<P = unknown> {
  id: string;
  portalId: string;
  kind: JobKind;
  key: string;
  payload: P;
  /** Attempts so far, this one included. */
  attempts: number;
  runAt: string;
}

/** Who claims, when (ISO, the service's clock), and for how long the claim holds before another worker may reclaim it. */
export interface Claim {
  workerId: string;
  now: string;
  lockSeconds: number;
}

// Coalescing: at most one queued job per portal, kind and key. A job enqueued while one is queued replaces its
// payload and keeps the earlier time; a job that ran while its key was enqueued again retires in favour of the newer.

/** How a job coalesces with a queued one of the same portal, kind and key: the newest payload, the earliest time. */
export const COALESCE_QUEUED = `ON CONFLICT (portal_id, kind, key) WHERE state = 'queued'
     DO UPDATE SET payload = EXCLUDED.payload, run_at = LEAST(jobs.run_at, EXCLUDED.run_at)`;

/** A running job whose key has a queued job: the queued one is newer. */
const NEWER_QUEUED = `EXISTS (SELECT 1 FROM jobs q WHERE q.state = 'queued' AND q.portal_id = jobs.portal_id AND q.kind = jobs.kind AND q.key = jobs.key)`;

/**
 * Many jobs in one statement (a webhook batch); repeated keys in the batch keep their last payload. `at` is the
 * service's clock: it stamps the jobs and is when a job without a `runAt` becomes due.
 */
export async function enqueueJobs(db: Knex, jobs: readonly NewJob[], at: string): Promise<void> {
  const unique = [...new Map(jobs.map((job) => [`${job.portalId}\u0000${job.kind}\u0000${job.key}`, job])).values()];
  if (unique.length === 0) return;
  await db.raw(
    `INSERT INTO jobs (portal_id, kind, key, payload, run_at, created_at)
     SELECT portal_id::bigint, kind, key, payload::jsonb, run_at::timestamptz, ?::timestamptz
     FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[]) AS t(portal_id, kind, key, payload, run_at)
     ${COALESCE_QUEUED}`,
    [at, unique.map((j) => j.portalId), unique.map((j) => j.kind), unique.map((j) => j.key), unique.map((j) => JSON.stringify(j.payload)), unique.map((j) => j.runAt ?? at)],
  ).options(enqueueJobsStatement);
}

export async function enqueueJob(db: Knex, job: NewJob, at: string): Promise<void> {
  await enqueueJobs(db, [job], at);
}

interface JobRow { id: string; portal_id: string; kind: JobKind; key: string; payload: unknown; attempts: number; run_at: Date }

const CLAIMED = 'RETURNING id, portal_id, kind, key, payload, attempts, run_at';

const toJob = (row: JobRow): ClaimedJob => ({
  id: String(row.id), portalId: String(row.portal_id), kind: row.kind, key: row.key, payload: row.payload, attempts: row.attempts, runAt: row.run_at.toISOString(),
});

/**
 * Claims the due sync jobs of one portal, the one whose oldest is due longest, up to `limit` (one HubSpot batch
 * call), oldest first, returned in id order. Both picks walk the due-sync index (ordered by id alone, the portal's
 * pick walked every job by primary key); the picked ids reach the UPDATE as an array, looked up by primary key.
 */
export async function claimSyncBatch(db: Knex, claim: Claim, limit = 100): Promise<ClaimedJob[]> {
  const { rows } = await db.raw<{ rows: JobRow[] }>(
    `WITH portal AS (
       SELECT portal_id FROM jobs WHERE state = 'queued' AND kind = 'sync_deal' AND run_at <= ?::timestamptz
       ORDER BY run_at, id LIMIT 1 FOR UPDATE SKIP LOCKED
     ), picked AS (
       SELECT id FROM jobs WHERE state = 'queued' AND kind = 'sync_deal' AND run_at <= ?::timestamptz AND portal_id = (SELECT portal_id FROM portal)
       ORDER BY run_at, id LIMIT ? FOR UPDATE SKIP LOCKED
     )
     UPDATE jobs SET state = 'running', locked_by = ?, locked_until = ?::timestamptz + (? * interval '1 second'), attempts = attempts + 1
     WHERE id = ANY (ARRAY(SELECT id FROM picked))
     ${CLAIMED}`,
    [claim.now, claim.now, limit, claim.workerId, claim.now, claim.lockSeconds],
  );
  return rows.map(toJob).sort((a, b) => Number(a.id) - Number(b.id));
}

/** Claims up to `limit` due jobs other than syncs, oldest first, in one statement. */
export async function claimDueJobs(db: Knex, claim: Claim, limit: number): Promise<ClaimedJob[]> {
  const { rows } = await db.raw<{ rows: JobRow[] }>(
    `UPDATE jobs SET state = 'running', locked_by = ?, locked_until = ?::timestamptz + (? * interval '1 second'), attempts = attempts + 1
     WHERE id = ANY (ARRAY(SELECT id FROM jobs WHERE state = 'queued' AND kind <> 'sync_deal' AND run_at <= ?::timestamptz ORDER BY run_at, id LIMIT ? FOR UPDATE SKIP LOCKED))
     ${CLAIMED}`,
    [claim.workerId, claim.now, claim.lockSeconds, claim.now, limit],
  );
  return rows.map(toJob).sort((a, b) => a.runAt.localeCompare(b.runAt) || Number(a.id) - Number(b.id));
}

/**
 * Jobs whose worker died (their claim expired by `now`) are queued again, unless their key was enqueued again
 * meanwhile: then the newer job stands and the old one retires.
 */
export async function reclaimExpiredJobs(db: Knex, now: string): Promise<void> {
  await db.raw(`UPDATE jobs SET state = 'queued', locked_by = NULL, locked_until = NULL
    WHERE state = 'running' AND locked_until < ?::timestamptz AND NOT ${NEWER_QUEUED}`, [now]);
  await db.raw(`UPDATE jobs SET state = 'done', finished_at = ?::timestamptz, last_error = 'superseded after its worker stopped'
    WHERE state = 'running' AND locked_until < ?::timestamptz`, [now, now]);
}

/** Finished jobs, recorded in one statement, each with its last word (null for none); only the claiming worker's. */
export async function finishJobs(db: Knex, workerId: string, finished: readonly { id: string; note: string | null }[], now: string): Promise<void> {
  if (finished.length === 0) return;
  await db.raw(
    `UPDATE jobs j SET state = 'done', finished_at = ?::timestamptz, last_error = NULLIF(d.note, ''), locked_by = NULL, locked_until = NULL
     FROM unnest(?::bigint[], ?::text[]) AS d(id, note)
     WHERE j.id = d.id AND j.state = 'running' AND j.locked_by = ?`,
    [now, finished.map(({ id }) => id), finished.map(({ note }) => note ?? ''), workerId],
  );
}

/**
 * Puts a job the worker holds back in the queue to run at `runAt`, with `attempts` and why; if its key was enqueued
 * again while it ran, the newer payload wins and this one retires instead.
 */
export async function requeueJob(
  db: Knex, job: Pick<ClaimedJob, 'id' | 'portalId' | 'kind' | 'key'>, workerId: string,
  retry: { runAt: string; attempts: number; error: string; now: string },
): Promise<'requeued' | 'superseded'> {
  return db.transaction(async (trx) => {
    const mine = { id: job.id, state: 'running', locked_by: workerId };
    const newer = await trx('jobs').where({ portal_id: job.portalId, kind: job.kind, key: job.key, state: 'queued' }).first<{ id: string } | undefined>('id');
    if (newer) {
      await trx('jobs').where(mine).update({ state: 'done', finished_at: retry.now, last_error: 'superseded by a newer change', locked_by: null, locked_until: null });
      return 'superseded';
    }
    await trx('jobs').where(mine).update({ state: 'queued', locked_by: null, locked_until: null, last_error: retry.error, attempts: retry.attempts, run_at: retry.runAt });
    return 'requeued';
  });
}

/** Parks a job the worker holds as dead: it is never tried again (an incident, recorded beside it, points at it). */
export async function markJobDead(db: Knex, jobId: string, workerId: string, reason: string, now: string): Promise<void> {
  await db('jobs').where({ id: jobId, state: 'running', locked_by: workerId })
    .update({ state: 'dead', finished_at: now, last_error: reason, locked_by: null, locked_until: null });
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

export interface SyncFailure { jobId: string; dealId: string | null; state: string; attempts: number; lastError: string | null }

/**
 * A portal's sync jobs that failed in (since, until]: parked as dead then, or created since and still retrying
 * (more than one attempt). Newest first. The conditions imply the predicate of the index that serves this read,
 * jobs_sync_failures (migrations/20261204008600): a change to one is a change to the other.
 */
export async function syncFailures(db: Knex, portalId: string, since: string, until: string): Promise<SyncFailure[]> {
  const rows = await db('jobs').where({ portal_id: portalId, kind: 'sync_deal' })
    .where((q) => {
      void q.where((dead) => { void dead.where('state', 'dead').where('finished_at', '>', since).where('finished_at', '<=', until); })
        .orWhere((retrying) => { void retrying.whereIn('state', ['queued', 'running']).where('attempts', '>', 1).where('created_at', '>', since); });
    })
    .orderBy('id', 'desc')
    .select<{ id: string; state: string; attempts: number; last_error: string | null; payload: { dealId?: string } }[]>('id', 'state', 'attempts', 'last_error', 'payload');
  return rows.map((job) => ({ jobId: String(job.id), dealId: job.payload.dealId ?? null, state: job.state, attempts: job.attempts, lastError: job.last_error }));
}
