// What a job handler receives and how it reports: return to finish the job; throw to retry it with backoff
// (a RetryLaterError can name when); after the attempt limit the job is parked as dead with an incident.
import type { ServiceDeps } from '../use-cases/deps.js';
import type { ClaimedJob } from '../store/jobs.js';

export type { ClaimedJob } from '../store/jobs.js';

export type JobDeps = ServiceDeps;

/** One job at a time (gate rollbacks, SLA timers; webhook events where no batch handler is given). */
export type JobHandler = (deps: JobDeps, job: ClaimedJob) => Promise<void>;

/** A claimed batch of one kind at once. Returns the jobs that failed, with the error each would have thrown; the rest are done. */
export type BatchJobHandler = (deps: JobDeps, jobs: ClaimedJob[]) => Promise<Map<string, Error>>;

/** What became of a job: done (with a last word worth keeping, or none), tried again later, or parked as dead. */
export type JobOutcome =
  | { kind: 'done'; note: string | null }
  | { kind: 'retry'; afterSeconds: number; countsAsAttempt: boolean; error: string }
  | { kind: 'dead'; reason: string };

/** A claimed batch of one portal's deal syncs, written within the portal's HubSpot budget; an outcome for each job. */
export type SyncBatchHandler = (deps: JobDeps, jobs: ClaimedJob[]) => Promise<Map<string, JobOutcome>>;
