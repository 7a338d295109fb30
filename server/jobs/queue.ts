// Enqueueing jobs: always inside the caller's transaction, so a job exists exactly when its cause committed.
import type { Knex } from 'knex';

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
  /** When the job may run (ISO); now when absent. */
  runAt?: string;
}

export async function enqueueJob(db: Knex, job: NewJob): Promise<void> {
  await db.raw(
    `INSERT INTO jobs (portal_id, kind, key, payload, run_at) VALUES (?, ?, ?, ?::jsonb, COALESCE(?::timestamptz, now()))
     ON CONFLICT (portal_id, kind, key) WHERE state = 'queued'
     DO UPDATE SET payload = EXCLUDED.payload, run_at = LEAST(jobs.run_at, EXCLUDED.run_at)`,
    [job.portalId, job.kind, job.key, JSON.stringify(job.payload), job.runAt ?? null],
  );
}
