// Which handler runs which kind of job (sync_deal is batched by the worker itself).
import { handleGateRollback } from '../gates/handle-gate-rollback.js';
import { handleWebhookEvent, handleWebhookEvents } from '../webhooks/handle-webhook-event.js';
import { handleSlaTimer } from './sla-timers.js';
import type { BatchJobHandler, JobHandler } from './types.js';
import type { JobKind } from './queue.js';

export const jobHandlers: Partial<Record<Exclude<JobKind, 'sync_deal'>, JobHandler>> = {
  sla_timer: handleSlaTimer,
  webhook_event: handleWebhookEvent,
  gate_rollback: handleGateRollback,
};

/** Kinds the worker hands over a claimed batch at a time. */
export const jobBatchHandlers: Partial<Record<Exclude<JobKind, 'sync_deal'>, BatchJobHandler>> = {
  webhook_event: handleWebhookEvents,
};
