// Which handler runs which kind of job (sync_deal is batched by the worker itself).
import { handleGateRollback } from '../gates/handle-gate-rollback.js';
import { handleWebhookEvent } from '../webhooks/handle-webhook-event.js';
import { handleSlaTimer } from './sla-timers.js';
import type { JobHandler } from './types.js';
import type { JobKind } from './queue.js';

export const jobHandlers: Partial<Record<Exclude<JobKind, 'sync_deal'>, JobHandler>> = {
  sla_timer: handleSlaTimer,
  webhook_event: handleWebhookEvent,
  gate_rollback: handleGateRollback,
};
