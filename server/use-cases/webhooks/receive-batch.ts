// A signed webhook batch arrives: store it in the inbox, each new event queued for the worker in the same
// transaction, and answer. Nothing is processed here (process-events.ts does that, from the queue).
import type { WebhookEvent } from '../../../src/contract/webhook-events.js';
import { storeWebhookBatch, type StoredBatch } from '../../store/inbox.js';
import { isoNow, type ServiceDeps } from '../deps.js';

export type { StoredBatch };

/** `rawEvents` are the events as HubSpot sent them (kept for support), in the batch's order. */
export function receiveWebhookBatch(deps: ServiceDeps, events: readonly WebhookEvent[], rawEvents: readonly unknown[]): Promise<StoredBatch> {
  return storeWebhookBatch(deps.db, events, rawEvents, isoNow(deps));
}
