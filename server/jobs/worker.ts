// The job worker: claims due jobs from Postgres with FOR UPDATE SKIP LOCKED (so any number of worker processes
// share the table), runs them, and records the outcome: done, retried with backoff and jitter, or parked as dead
// with an incident. A job whose worker died is reclaimed when its lock expires.
import { randomUUID } from 'node:crypto';
import { databaseTroubleOf } from '../db/database-errors.js';
import type { BudgetLimits } from '../store/budgets.js';
import type { JobKind } from '../store/jobs.js';
import type { SyncDealPayload } from '../use-cases/sync/deal-sync.js';
import { syncDeals, type JobOutcome } from '../use-cases/sync/sync-deals.js';
import { inOrderPerSubject } from './subjects.js';
import { RetryLaterError, type BatchJobHandler, type ClaimedJob, type JobDeps, type JobHandler } from './types.js';

export interface WorkerOptions {
  handlers?: Partial<Record<Exclude<JobKind, 'sync_deal'>, JobHandler>>;
  /** Kinds whose claimed jobs are handed over together (used instead of the one-at-a-time handler). */
  batchHandlers?: Partial<Record<Exclude<JobKind, 'sync_deal'>, BatchJobHandler>>;
  budget?: BudgetLimits;
  maxAttempts?: number;
  pollIntervalMs?: number;
  lockSeconds?: number;
  /** Jobs other than syncs claimed at once (default 20), and how many of them run at a time (default 4). */
  batchSize?: number;
  concurrency?: number;
  workerId?: string;
  /** Told about every finished job (metrics). */
  onOutcome?: (kind: JobKind, outcome: JobOutcome['kind']) => void;
  /** Called about once a minute from the loop (posture checks and other housekeeping). */
  onTick?: () => Promise<void>;
  /** Jitter source; tests pin it. */
  random?: () => number;
}

interface JobRow { id: string; portal_id: string; kind: JobKind; key: string; payload: unknown; attempts: number; run_at: Date }

const toJob = (row: JobRow): ClaimedJob => ({
  id: String(row.id), portalId: String(row.portal_id), kind: row.kind, key: row.key, payload: row.payload, attempts: row.attempts, runAt: row.run_at.toISOString(),
});

export const DEFAULT_BUDGET: BudgetLimits = { perTenSeconds: 100, daily: 250_000 };

/**
 * Claims the oldest due portal's sync jobs, up to 100 (bindings: now, now, worker id, now, lock seconds). The picked ids reach the
 * UPDATE as an array: as `IN (SELECT ...)`, Postgres joined them by hashing a scan of the whole table, finished jobs
 * included (8 ms at 20,000 rows, growing with the table); as an array they are looked up by primary key.
 */
export const CLAIM_SYNC_BATCH = `WITH portal AS (
     SELECT portal_id FROM jobs WHERE state = 'queued' AND kind = 'sync_deal' AND run_at <= ?::timestamptz
     ORDER BY run_at, id LIMIT 1 FOR UPDATE SKIP LOCKED
   ), picked AS (
     SELECT id FROM jobs WHERE state = 'queued' AND kind = 'sync_deal' AND run_at <= ?::timestamptz AND portal_id = (SELECT portal_id FROM portal)
     ORDER BY id LIMIT 100 FOR UPDATE SKIP LOCKED
   )
   UPDATE jobs SET state = 'running', locked_by = ?, locked_until = ?::timestamptz + (? * interval '1 second'), attempts = attempts + 1
   WHERE id = ANY (ARRAY(SELECT id FROM picked))
   RETURNING id, portal_id, kind, key, payload, attempts, run_at`;

/**
 * Claims up to a batch of due jobs other than syncs, oldest first (bindings: worker id, now, lock seconds, now, batch
 * size).
 * One statement for the batch: a webhook batch of 99 events queues 99 jobs, and claiming them one at a time cost a
 * round trip each.
 */
export const CLAIM_OTHERS = `UPDATE jobs SET state = 'running', locked_by = ?, locked_until = ?::timestamptz + (? * interval '1 second'), attempts = attempts + 1
   WHERE id = ANY (ARRAY(SELECT id FROM jobs WHERE state = 'queued' AND kind <> 'sync_deal' AND run_at <= ?::timestamptz ORDER BY run_at, id LIMIT ? FOR UPDATE SKIP LOCKED))
   RETURNING id, portal_id, kind, key, payload, attempts, run_at`;

export class JobWorker {
  readonly #deps: JobDeps;
  readonly #options: Required<Omit<WorkerOptions, 'onOutcome' | 'onTick'>> & Pick<WorkerOptions, 'onOutcome' | 'onTick'>;
  #running = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #lastTick = 0;
  #lastReclaim = Number.NEGATIVE_INFINITY;

  constructor(deps: JobDeps, options: WorkerOptions = {}) {
    this.#deps = deps;
    this.#options = {
      handlers: options.handlers ?? {},
      batchHandlers: options.batchHandlers ?? {},
      budget: options.budget ?? DEFAULT_BUDGET,
      maxAttempts: options.maxAttempts ?? 8,
      pollIntervalMs: options.pollIntervalMs ?? 500,
      lockSeconds: options.lockSeconds ?? 30,
      batchSize: options.batchSize ?? 20,
      concurrency: options.concurrency ?? 4,
      workerId: options.workerId ?? `worker-${process.pid}-${randomUUID().slice(0, 8)}`,
      random: options.random ?? Math.random,
      onOutcome: options.onOutcome,
      onTick: options.onTick,
    };
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = this.#run();
  }

  /** Stops claiming; resolves when the job in hand is finished. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#wake?.();
    await this.#loop;
  }

  async #run(): Promise<void> {
    while (this.#running) {
      let worked = 0;
      try {
        // Jobs whose worker died are looked for once a second, not before every job: a busy queue runs many a second.
        if (performance.now() - this.#lastReclaim >= 1_000) {
          this.#lastReclaim = performance.now();
          await this.#reclaimExpired();
        }
        worked = await this.#work();
        if (this.#options.onTick && Date.now() - this.#lastTick > 60_000) {
          this.#lastTick = Date.now();
          await this.#options.onTick();
        }
      } catch (error) {
        const trouble = databaseTroubleOf(error);
        if (trouble) this.#deps.logger.warn({ reason: trouble.reason }, 'job worker cannot reach the database; retrying shortly');
        else this.#deps.logger.warn({ err: error }, 'job worker loop failed; retrying shortly');
      }
      if (worked === 0 && this.#running) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.#options.pollIntervalMs);
          this.#wake = () => { clearTimeout(timer); resolve(); };
        });
      }
    }
  }

  /**
   * Reclaims jobs whose worker died, then claims and runs what is due now: one sync batch of one portal and a batch
   * of other jobs. Returns how many jobs ran.
   */
  async runOnce(): Promise<number> {
    await this.#reclaimExpired();
    return this.#work();
  }

  async #work(): Promise<number> {
    let ran = 0;
    const batch = await this.#claimSyncBatch();
    if (batch.length > 0) {
      const portalId = batch[0]!.portalId;
      let outcomes: Map<string, JobOutcome>;
      try {
        outcomes = await syncDeals(this.#deps, portalId, batch as ClaimedJob<SyncDealPayload>[], this.#options.budget);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        outcomes = new Map(batch.map((job) => [job.id, { kind: 'retry', afterSeconds: 30, countsAsAttempt: true, error: message }]));
      }
      const outcomeOf = (job: ClaimedJob): JobOutcome => outcomes.get(job.id) ?? { kind: 'retry', afterSeconds: 30, countsAsAttempt: true, error: 'no outcome' };
      await this.#recordDone(batch.flatMap((job) => { const outcome = outcomeOf(job); return outcome.kind === 'done' ? [{ job, note: outcome.note }] : []; }));
      for (const job of batch) if (outcomeOf(job).kind !== 'done') await this.#record(job, outcomeOf(job));
      ran += batch.length;
    }
    const others = await this.#claimOthers();
    const batchKinds = new Set(others.map((job) => job.kind).filter((kind) => this.#options.batchHandlers[kind as Exclude<JobKind, 'sync_deal'>]));
    for (const kind of batchKinds) {
      const jobs = others.filter((job) => job.kind === kind);
      let failures: Map<string, Error>;
      try {
        failures = await this.#options.batchHandlers[kind as Exclude<JobKind, 'sync_deal'>]!(this.#deps, jobs);
      } catch (error) {
        failures = new Map(jobs.map((job) => [job.id, error instanceof Error ? error : new Error(String(error))]));
      }
      await this.#recordDone(jobs.filter((job) => !failures.has(job.id)).map((job) => ({ job, note: 'handled' })));
      for (const job of jobs) {
        const error = failures.get(job.id);
        if (error) await this.#record(job, this.#failed(job, error));
      }
    }
    await inOrderPerSubject(others.filter((job) => !batchKinds.has(job.kind)), this.#options.concurrency, async (job) => {
      await this.#record(job, await this.#runHandler(job));
    });
    ran += others.length;
    return ran;
  }

  async #reclaimExpired(): Promise<void> {
    const now = this.#now();
    await this.#deps.db.raw(`UPDATE jobs SET state = 'queued', locked_by = NULL, locked_until = NULL
      WHERE state = 'running' AND locked_until < ?::timestamptz
        AND NOT EXISTS (SELECT 1 FROM jobs q WHERE q.state = 'queued' AND q.portal_id = jobs.portal_id AND q.kind = jobs.kind AND q.key = jobs.key)`, [now]);
    // A reclaimed job whose key was enqueued again meanwhile is superseded by the newer one.
    await this.#deps.db.raw(`UPDATE jobs SET state = 'done', finished_at = ?::timestamptz, last_error = 'superseded after its worker stopped'
      WHERE state = 'running' AND locked_until < ?::timestamptz`, [now, now]);
  }

  /** The service's clock, the one every decision about time is made with (never the database's). */
  #now(): string {
    return this.#deps.now().toISOString();
  }

  async #claimSyncBatch(): Promise<ClaimedJob[]> {
    const now = this.#now();
    const { rows } = await this.#deps.db.raw<{ rows: JobRow[] }>(CLAIM_SYNC_BATCH, [now, now, this.#options.workerId, now, this.#options.lockSeconds]);
    return rows.map(toJob).sort((a, b) => Number(a.id) - Number(b.id));
  }

  async #claimOthers(): Promise<ClaimedJob[]> {
    const now = this.#now();
    const { rows } = await this.#deps.db.raw<{ rows: JobRow[] }>(CLAIM_OTHERS, [this.#options.workerId, now, this.#options.lockSeconds, now, this.#options.batchSize]);
    return rows.map(toJob).sort((a, b) => a.runAt.localeCompare(b.runAt) || Number(a.id) - Number(b.id));
  }

  async #runHandler(job: ClaimedJob): Promise<JobOutcome> {
    const handler = this.#options.handlers[job.kind as Exclude<JobKind, 'sync_deal'>];
    if (!handler) return { kind: 'retry', afterSeconds: 60, countsAsAttempt: false, error: `no handler for ${job.kind} in this worker` };
    try {
      await handler(this.#deps, job);
      return { kind: 'done', note: 'handled' };
    } catch (error) {
      return this.#failed(job, error);
    }
  }

  #failed(job: ClaimedJob, error: unknown): JobOutcome {
    if (!(error instanceof RetryLaterError)) this.#deps.logger.warn({ err: error, jobId: job.id, kind: job.kind }, 'job failed');
    return error instanceof RetryLaterError
      ? { kind: 'retry', afterSeconds: error.retryAfterSeconds, countsAsAttempt: error.countsAsAttempt, error: error.message }
      : { kind: 'retry', afterSeconds: 0, countsAsAttempt: true, error: error instanceof Error ? error.message : String(error) };
  }

  /** Finished jobs, recorded in one statement; a note other than handled or written is kept as the job's last word. */
  async #recordDone(done: { job: ClaimedJob; note: string }[]): Promise<void> {
    if (done.length === 0) return;
    await this.#deps.db.raw(
      `UPDATE jobs j SET state = 'done', finished_at = ?::timestamptz, last_error = NULLIF(d.note, ''), locked_by = NULL, locked_until = NULL
       FROM unnest(?::bigint[], ?::text[]) AS d(id, note)
       WHERE j.id = d.id AND j.state = 'running' AND j.locked_by = ?`,
      [this.#now(), done.map(({ job }) => job.id), done.map(({ note }) => (note === 'handled' || note === 'written' ? '' : note)), this.#options.workerId],
    );
    for (const { job } of done) this.#options.onOutcome?.(job.kind, 'done');
  }

  async #record(job: ClaimedJob, outcome: JobOutcome): Promise<void> {
    if (outcome.kind === 'done') {
      await this.#recordDone([{ job, note: outcome.note }]);
      return;
    }
    const db = this.#deps.db;
    const now = this.#deps.now();
    const mine = { id: job.id, state: 'running', locked_by: this.#options.workerId };
    if (outcome.kind === 'retry' && (!outcome.countsAsAttempt || job.attempts < this.#options.maxAttempts)) {
      const delay = outcome.countsAsAttempt ? Math.max(outcome.afterSeconds, backoffSeconds(job.attempts, this.#options.random)) : outcome.afterSeconds;
      await db.transaction(async (trx) => {
        // If the same key was enqueued again while this one ran, the newer payload wins and this one retires.
        const newer = await trx('jobs').where({ portal_id: job.portalId, kind: job.kind, key: job.key, state: 'queued' }).first<{ id: string } | undefined>('id');
        if (newer) await trx('jobs').where(mine).update({ state: 'done', finished_at: now, last_error: 'superseded by a newer change', locked_by: null, locked_until: null });
        else {
          await trx('jobs').where(mine).update({
            state: 'queued', locked_by: null, locked_until: null, last_error: outcome.error,
            attempts: outcome.countsAsAttempt ? job.attempts : job.attempts - 1,
            run_at: new Date(now.getTime() + delay * 1000),
          });
        }
      });
    } else {
      const reason = outcome.kind === 'dead' ? outcome.reason : `gave up after ${job.attempts} attempts: ${outcome.error}`;
      await db.transaction(async (trx) => {
        await trx('jobs').where(mine).update({ state: 'dead', finished_at: now, last_error: reason, locked_by: null, locked_until: null });
        await trx('incidents').insert({
          portal_id: job.portalId, kind: `dead_${job.kind}`, created_at: now, deal_id: (job.payload as { dealId?: string }).dealId ?? null,
          summary: `${job.kind} job ${job.id} parked as dead: ${reason}`, packet: JSON.stringify({ job, reason }),
        });
      });
      this.#deps.logger.warn({ jobId: job.id, kind: job.kind, portalId: job.portalId, reason }, 'job parked as dead');
    }
    this.#options.onOutcome?.(job.kind, outcome.kind === 'retry' && job.attempts >= this.#options.maxAttempts && outcome.countsAsAttempt ? 'dead' : outcome.kind);
  }
}

/** Exponential backoff with full jitter: 5 s, 10 s, 20 s … capped at 15 minutes, times a random 0.5–1.5. */
export function backoffSeconds(attempts: number, random: () => number): number {
  const base = Math.min(900, 5 * 2 ** Math.max(0, attempts - 1));
  return Math.round(base * (0.5 + random()));
}
