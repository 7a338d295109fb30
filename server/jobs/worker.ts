// The job worker: claims due jobs (store/jobs.ts: any number of worker processes share the table), hands each to
// the use case its kind maps to (handlers.ts), and records the outcome: done, retried with backoff and jitter, or
// parked as dead with an incident. A job whose worker died is reclaimed when its claim expires.
import { randomUUID } from 'node:crypto';
import { databaseTroubleOf } from '../db/database-errors.js';
import { RetryLaterError } from '../errors.js';
import { insertIncident } from '../store/incidents.js';
import {
  claimDueJobs, claimSyncBatch, finishJobs, markJobDead, reclaimExpiredJobs, requeueJob, type Claim, type JobKind,
} from '../store/jobs.js';
import { handleSyncBatch } from './handlers.js';
import { inOrderPerSubject } from './subjects.js';
import type { BatchJobHandler, ClaimedJob, JobDeps, JobHandler, JobOutcome, SyncBatchHandler } from './types.js';

export interface WorkerOptions {
  handlers?: Partial<Record<Exclude<JobKind, 'sync_deal'>, JobHandler>>;
  /** Kinds whose claimed jobs are handed over together (used instead of the one-at-a-time handler). */
  batchHandlers?: Partial<Record<Exclude<JobKind, 'sync_deal'>, BatchJobHandler>>;
  /** Writes a portal's claimed syncs (default: handleSyncBatch). */
  syncHandler?: SyncBatchHandler;
  maxAttempts?: number;
  pollIntervalMs?: number;
  lockSeconds?: number;
  /** Jobs other than syncs claimed at once (default 20), and how many of them run at a time (default 4). */
  batchSize?: number;
  concurrency?: number;
  workerId?: string;
  /** Told about every finished job (metrics). */
  onOutcome?: (kind: JobKind, outcome: JobOutcome['kind']) => void;
  /** Called about once a minute from the loop with this worker's id (housekeeping, which takes its own turn). */
  onTick?: (workerId: string) => Promise<void>;
  /** Jitter source; tests pin it. */
  random?: () => number;
}

export class JobWorker {
  readonly #deps: JobDeps;
  readonly #options: Required<Omit<WorkerOptions, 'onOutcome' | 'onTick'>> & Pick<WorkerOptions, 'onOutcome' | 'onTick'>;
  #running = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #lastTick = Number.NEGATIVE_INFINITY; // the first loop ticks at once
  #lastReclaim = Number.NEGATIVE_INFINITY;

  constructor(deps: JobDeps, options: WorkerOptions = {}) {
    this.#deps = deps;
    this.#options = {
      handlers: options.handlers ?? {},
      batchHandlers: options.batchHandlers ?? {},
      syncHandler: options.syncHandler ?? handleSyncBatch,
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
        // Pacing only, on the monotonic clock like the reclaim above: what a tick decides about time takes deps.now().
        if (this.#options.onTick && performance.now() - this.#lastTick > 60_000) {
          this.#lastTick = performance.now();
          await this.#options.onTick(this.#options.workerId);
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
    const syncs = await claimSyncBatch(this.#deps.db, this.#claim());
    if (syncs.length > 0) {
      let outcomes: Map<string, JobOutcome>;
      try {
        outcomes = await this.#options.syncHandler(this.#deps, syncs);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        outcomes = new Map(syncs.map((job) => [job.id, { kind: 'retry', afterSeconds: 30, countsAsAttempt: true, error: message }]));
      }
      const outcomeOf = (job: ClaimedJob): JobOutcome => outcomes.get(job.id) ?? { kind: 'retry', afterSeconds: 30, countsAsAttempt: true, error: 'no outcome' };
      await this.#recordDone(syncs.flatMap((job) => { const outcome = outcomeOf(job); return outcome.kind === 'done' ? [{ job, note: outcome.note }] : []; }));
      for (const job of syncs) if (outcomeOf(job).kind !== 'done') await this.#record(job, outcomeOf(job));
    }

    const others = await claimDueJobs(this.#deps.db, this.#claim(), this.#options.batchSize);
    const batchKinds = new Set(others.map((job) => job.kind).filter((kind) => this.#batchHandler(kind)));
    for (const kind of batchKinds) {
      const jobs = others.filter((job) => job.kind === kind);
      let failures: Map<string, Error>;
      try {
        failures = await this.#batchHandler(kind)!(this.#deps, jobs);
      } catch (error) {
        failures = new Map(jobs.map((job) => [job.id, error instanceof Error ? error : new Error(String(error))]));
      }
      await this.#recordDone(jobs.filter((job) => !failures.has(job.id)).map((job) => ({ job, note: null })));
      for (const job of jobs) {
        const error = failures.get(job.id);
        if (error) await this.#record(job, this.#failed(job, error));
      }
    }
    await inOrderPerSubject(others.filter((job) => !batchKinds.has(job.kind)), this.#options.concurrency, async (job) => {
      await this.#record(job, await this.#runHandler(job));
    });
    return syncs.length + others.length;
  }

  #batchHandler(kind: JobKind): BatchJobHandler | undefined {
    return kind === 'sync_deal' ? undefined : this.#options.batchHandlers[kind];
  }

  /** This worker's claim at the service's clock, the one every decision about time is made with (never the database's). */
  #claim(): Claim {
    return { workerId: this.#options.workerId, now: this.#deps.now().toISOString(), lockSeconds: this.#options.lockSeconds };
  }

  async #reclaimExpired(): Promise<void> {
    await reclaimExpiredJobs(this.#deps.db, this.#deps.now().toISOString());
  }

  async #runHandler(job: ClaimedJob): Promise<JobOutcome> {
    const handler = job.kind === 'sync_deal' ? undefined : this.#options.handlers[job.kind];
    if (!handler) return { kind: 'retry', afterSeconds: 60, countsAsAttempt: false, error: `no handler for ${job.kind} in this worker` };
    try {
      await handler(this.#deps, job);
      return { kind: 'done', note: null };
    } catch (error) {
      return this.#failed(job, error);
    }
  }

  #failed(job: ClaimedJob, error: unknown): JobOutcome {
    if (error instanceof RetryLaterError) return { kind: 'retry', afterSeconds: error.retryAfterSeconds, countsAsAttempt: error.countsAsAttempt, error: error.message };
    this.#deps.logger.warn({ err: error, jobId: job.id, kind: job.kind }, 'job failed');
    return { kind: 'retry', afterSeconds: 0, countsAsAttempt: true, error: error instanceof Error ? error.message : String(error) };
  }

  async #recordDone(done: { job: ClaimedJob; note: string | null }[]): Promise<void> {
    await finishJobs(this.#deps.db, this.#options.workerId, done.map(({ job, note }) => ({ id: job.id, note })), this.#deps.now().toISOString());
    for (const { job } of done) this.#options.onOutcome?.(job.kind, 'done');
  }

  /** A retry within the attempt limit (or one that does not count) is queued again after its delay; else the job is dead. */
  async #record(job: ClaimedJob, outcome: JobOutcome): Promise<void> {
    if (outcome.kind === 'done') {
      await this.#recordDone([{ job, note: outcome.note }]);
      return;
    }
    const now = this.#deps.now();
    const workerId = this.#options.workerId;
    if (outcome.kind === 'retry' && (!outcome.countsAsAttempt || job.attempts < this.#options.maxAttempts)) {
      const delay = outcome.countsAsAttempt ? Math.max(outcome.afterSeconds, backoffSeconds(job.attempts, this.#options.random)) : outcome.afterSeconds;
      await requeueJob(this.#deps.db, job, workerId, {
        runAt: new Date(now.getTime() + delay * 1000).toISOString(), attempts: outcome.countsAsAttempt ? job.attempts : job.attempts - 1,
        error: outcome.error, now: now.toISOString(),
      });
      this.#options.onOutcome?.(job.kind, 'retry');
      return;
    }
    const reason = outcome.kind === 'dead' ? outcome.reason : `gave up after ${job.attempts} attempts: ${outcome.error}`;
    await this.#deps.db.transaction(async (trx) => {
      await markJobDead(trx, job.id, workerId, reason, now.toISOString());
      await insertIncident(trx, {
        portalId: job.portalId, kind: `dead_${job.kind}`, at: now.toISOString(), dealId: (job.payload as { dealId?: string } | null)?.dealId ?? null,
        summary: `${job.kind} job ${job.id} parked as dead: ${reason}`, packet: { job, reason },
      });
    });
    this.#deps.logger.warn({ jobId: job.id, kind: job.kind, portalId: job.portalId, reason }, 'job parked as dead');
    this.#options.onOutcome?.(job.kind, 'dead');
  }
}

/** Exponential backoff with full jitter: 5 s, 10 s, 20 s … capped at 15 minutes, times a random 0.5–1.5. */
export function backoffSeconds(attempts: number, random: () => number): number {
  const base = Math.min(900, 5 * 2 ** Math.max(0, attempts - 1));
  return Math.round(base * (0.5 + random()));
}
