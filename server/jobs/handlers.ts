// Which use case runs which kind of job: each handler reads the claimed job's payload into the use case's arguments.
import { followUpIncident, IncidentFollowUpPayloadSchema } from '../use-cases/admin/incident-follow-ups.js';
import { RollbackPayloadSchema, rollBackGatedStage } from '../use-cases/gates/gate-rollback.js';
import { sendApprovalEmails } from '../use-cases/notify/email-channel.js';
import { fanOutNotification, NotificationPayloadSchema, type NotificationPayload } from '../use-cases/notify/notification-jobs.js';
import { writeToHubSpot } from '../use-cases/notify/hubspot-channel.js';
import { notifySlack } from '../use-cases/notify/slack-notifications.js';
import { SlaTimerPayloadSchema } from '../use-cases/sla/sla-timer-jobs.js';
import { runSlaTimer } from '../use-cases/sla/sla-timers.js';
import { syncDeals } from '../use-cases/sync/sync-deals.js';
import type { SyncDealPayload } from '../use-cases/sync/deal-sync.js';
import { processWebhookEvents, WebhookEventJobSchema } from '../use-cases/webhooks/process-events.js';
import type { JobKind } from '../store/jobs.js';
import type { BatchJobHandler, JobHandler, JobOutcome, SyncBatchHandler } from './types.js';

/** A batch of `webhook_event` jobs: their events are processed together (see processWebhookEvents). */
export const handleWebhookEvents: BatchJobHandler = async (deps, jobs) => {
  const failures = new Map<string, Error>();
  const eventOf = new Map<string, string>();
  for (const job of jobs) {
    const parsed = WebhookEventJobSchema.safeParse(job.payload);
    if (parsed.success) eventOf.set(job.id, parsed.data.webhookEventId);
    else failures.set(job.id, new Error(`webhook_event job ${job.id} has no event id: ${parsed.error.message}`));
  }
  const failed = await processWebhookEvents(deps, [...eventOf.values()]);
  for (const [jobId, eventId] of eventOf) {
    const error = failed.get(eventId);
    if (error) failures.set(jobId, error);
  }
  return failures;
};

export const jobHandlers: Partial<Record<Exclude<JobKind, 'sync_deal'>, JobHandler>> = {
  sla_timer: (deps, job) => runSlaTimer(deps, job.portalId, SlaTimerPayloadSchema.parse(job.payload)),
  webhook_event: async (deps, job) => {
    const failure = (await handleWebhookEvents(deps, [job])).get(job.id);
    if (failure) throw failure;
  },
  gate_rollback: (deps, job) => rollBackGatedStage(deps, job.portalId, RollbackPayloadSchema.parse(job.payload)),
  notify: (deps, job) => fanOutNotification(deps, job.portalId, NotificationPayloadSchema.parse(job.payload) as NotificationPayload),
  hubspot_notify: (deps, job) => writeToHubSpot(deps, job.portalId, NotificationPayloadSchema.parse(job.payload) as NotificationPayload),
  notify_email: (deps, job) => sendApprovalEmails(deps, job.portalId, NotificationPayloadSchema.parse(job.payload) as NotificationPayload),
  notify_slack: (deps, job) => notifySlack(deps, job.portalId, NotificationPayloadSchema.parse(job.payload) as NotificationPayload),
  incident_follow_up: (deps, job) => followUpIncident(deps, job.portalId, IncidentFollowUpPayloadSchema.parse(job.payload)),
};

/** Kinds the worker hands over a claimed batch at a time. */
export const jobBatchHandlers: Partial<Record<Exclude<JobKind, 'sync_deal'>, BatchJobHandler>> = {
  webhook_event: handleWebhookEvents,
};

/** A portal's claimed syncs, written together; each job's last word is kept unless it is plain success. */
export const handleSyncBatch: SyncBatchHandler = async (deps, jobs) => {
  const outcomes = await syncDeals(deps, jobs[0]!.portalId, jobs.map((job) => job.payload as SyncDealPayload));
  return new Map(jobs.map((job, index): [string, JobOutcome] => {
    const outcome = outcomes[index]!;
    return [job.id, outcome.kind === 'done' ? { kind: 'done', note: outcome.note === 'written' ? null : outcome.note } : outcome];
  }));
};
