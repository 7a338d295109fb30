// HubSpot delivers a batch of events: store them all (duplicates collapse) and queue each one worth processing for
// the worker, before answering. An event of a kind we never act on is recorded as ignored on arrival.
import { dealEventKind, type DealEventKind, type WebhookEvent } from '../../../src/contract/webhook-events.js';
import { storeWebhookBatch, type StoredBatch } from '../../store/inbox.js';
import { isoNow, type ServiceDeps } from '../deps.js';

export type { StoredBatch };

/** `rawEvents[i]` is the payload of `events[i]` as HubSpot sent it, kept whole in the inbox. */
export async function receiveWebhookBatch(deps: ServiceDeps, events: readonly WebhookEvent[], rawEvents: readonly unknown[]): Promise<StoredBatch> {
  return storeWebhookBatch(deps.db, events.map((event, index) => ({
    event,
    raw: rawEvents[index] ?? event,
    outcome: ignoredKind(dealEventKind(event.subscriptionType, event.objectTypeId)),
  })), isoNow(deps));
}

/** Why an event of this kind is never acted on, or null when it may be (decided again when it is processed). */
export function ignoredKind(kind: DealEventKind | null): string | null {
  if (kind === null) return 'unsupported_subscription';
  // A new deal has no request yet; the card evaluates it when it is opened.
  if (kind === 'deal.creation') return 'ignored_creation';
  return null;
}
