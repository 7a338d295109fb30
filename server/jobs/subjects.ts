// Which jobs may run side by side: jobs about the same deal or request run one after another, in order.
import type { ClaimedJob } from './types.js';

/**
 * What a job is about, for ordering: jobs about the same deal (its webhook events and gate rollbacks) or the same
 * request (its SLA timers and Slack messages) run one after another in the order they were claimed; jobs about different subjects run
 * side by side.
 */
function subjectOf(job: ClaimedJob): string {
  const payload = (job.payload ?? {}) as { dealId?: unknown };
  if (job.kind === 'webhook_event' && typeof payload.dealId === 'string') return `${job.portalId}:deal:${payload.dealId}`;
  if (job.kind === 'gate_rollback') return `${job.portalId}:deal:${job.key}`;
  if (job.kind === 'sla_timer' || job.kind === 'notify_slack') return `${job.portalId}:request:${job.key.split(':')[0]}`;
  return `job:${job.id}`;
}

/** Runs the jobs, at most `concurrency` at once, each subject's jobs one after another in the given order. */
export async function inOrderPerSubject(jobs: ClaimedJob[], concurrency: number, run: (job: ClaimedJob) => Promise<void>): Promise<void> {
  const lines = new Map<string, ClaimedJob[]>();
  for (const job of jobs) {
    const subject = subjectOf(job);
    const line = lines.get(subject);
    if (line) line.push(job);
    else lines.set(subject, [job]);
  }
  const queue = [...lines.values()];
  const runner = async () => {
    for (let line = queue.shift(); line; line = queue.shift()) {
      for (const job of line) await run(job);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, runner));
}
