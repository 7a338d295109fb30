// What a job handler receives and how it reports: return to finish the job; throw to retry it with backoff
// (a RetryLaterError can name when); after the attempt limit the job is parked as dead with an incident.
import type { ServiceDeps } from '../use-cases/deps.js';
import type { JobKind } from '../store/jobs.js';

export interface ClaimedJob<P = unknown> {
  id: string;
  portalId: string;
  kind: JobKind;
  key: string;
  payload: P;
  attempts: number;
  runAt: string;
}

export type JobDeps = ServiceDeps;

/** One job at a time (webhook events, gate rollbacks, SLA timers). */
export type JobHandler = (deps: JobDeps, job: ClaimedJob) => Promise<void>;

/**
 * A claimed batch of one kind at once (webhook events: read in one statement, recorded in another). Returns the jobs
 * that failed, with the error each would have thrown; the rest are done.
 */
export type BatchJobHandler = (deps: JobDeps, jobs: ClaimedJob[]) => Promise<Map<string, Error>>;

/** Thrown by a handler that knows when to try again (a 429's Retry-After, a portal over its budget). */
export class RetryLaterError extends Error {
  override readonly name = 'RetryLaterError';
  readonly retryAfterSeconds: number;
  /** A rate limit or budget is not the job's fault: the retry does not count as an attempt. */
  readonly countsAsAttempt: boolean;

  constructor(message: string, retryAfterSeconds: number, options: { countsAsAttempt?: boolean } = {}) {
    super(message);
    this.retryAfterSeconds = retryAfterSeconds;
    this.countsAsAttempt = options.countsAsAttempt ?? true;
  }
}
