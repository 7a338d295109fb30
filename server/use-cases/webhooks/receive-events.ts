// HubSpot delivers a batch of events: store them all (duplicates collapse), queue each one worth processing for the
// worker, and keep each malformed one in quarantine with what is wrong with it, before answering. HubSpot does not
// deliver a batch again after a 4xx, so a malformed event never costs the batch: the rest are stored and processed.
// An event of a kind we never act on is recorded as ignored on arrival.
import { dealEventKind, readWebhookEvent, type DealEventKind } from '../../../src/contract/webhook-events.js';
import { storeWebhookBatch, type ArrivingEvent, type QuarantinedEvent, type StoredBatch } from '../../store/inbox.js';
import { isoNow, type ServiceDeps } from '../deps.js';

export type { StoredBatch };

/** `items` are the batch's events as parsed from the body, each read on its own. */
export async function receiveWebhookBatch(deps: ServiceDeps, items: readonly unknown[]): Promise<StoredBatch> {
  const arriving: ArrivingEvent[] = [];
  const quarantine: QuarantinedEvent[] = [];
  items.forEach((item, index) => {
    const read = readWebhookEvent(item);
    if (read.ok) arriving.push({ event: read.event, raw: read.raw, outcome: ignoredKind(dealEventKind(read.event.subscriptionType, read.event.objectTypeId)) });
    else quarantine.push({ index, portalId: read.portalId, problems: read.problems, raw: JSON.stringify(read.raw) });
  });
  if (quarantine.length > 0) {
    deps.logger.warn({ quarantined: quarantine.map(({ index, portalId, problems }) => ({ index, portalId, problems })), events: items.length },
      'quarantined malformed webhook events; the rest of the batch is stored');
  }
  return storeWebhookBatch(deps.db, arriving, quarantine, isoNow(deps));
}

/** Why an event of this kind is never acted on, or null when it may be (decided again when it is processed). */
export function ignoredKind(kind: DealEventKind | null): string | null {
  return kind === null ? 'unsupported_subscription' : null;
}
