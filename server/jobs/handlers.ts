// Which handler runs which kind of job (sync_deal is batched by the worker itself).
import { handleGateRollback } from '../use-cases/gates/gate-rollback.js';
import { handleWebhookEvent, handleWebhookEvents } from '../use-cases/webhooks/process-events.js';
import { handleSlaTimer } from '../use-cases/sla/sla-timers.js';
import type { BatchJobHandler, JobHandler } from './types.js';
import type { JobKind } from '../store/jobs.js';

export const jobHandlers: Partial<Record<Exclude<JobKind, 'sync_deal'>, JobHandler>> = {
  sla_timer: handleSlaTimer,
  webhook_event: handleWebhookEvent,
  gate_rollback: handleGateRollback,
};

/** Kinds the worker hands over a claimed batch at a time. */
export const jobBatchHandlers: Partial<Record<Exclude<JobKind, 'sync_deal'>, BatchJobHandler>> = {
  webhook_event: handleWebhookEvents,
};
