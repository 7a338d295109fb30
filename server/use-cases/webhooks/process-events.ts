// Stored HubSpot events, processed once each. Our own echoes and non-material changes are recorded and dropped; a
// material change re-assesses the deal's request; a stage change goes to the gate; a deletion cancels the deal's
// pending request. Then the batch keeps the deal cache warm (feed-deal-cache.ts).
import { z } from 'zod';
import { dealEventKind } from '../../../src/contract/webhook-events.js';
import type { Deal } from '../../../src/deal.js';
import { materialChanges, materialProperties } from '../../../src/lifecycle/assess-change.js';
import { loadEventFacts, markEventsProcessed, type EventFacts } from '../../store/inbox.js';
import type { Portal } from '../../store/portals.js';
import { isoNow, type ServiceDeps } from '../deps.js';
import { onStageChanged } from '../gates/check-stage-change.js';
import { isLive, onDealChanged } from './deal-changed.js';
import { onDealDeleted } from './deal-deleted.js';
import { feedDealCache } from './feed-deal-cache.js';
import { isOwnWrite } from './own-writes.js';
import { ignoredKind } from './receive-events.js';
import { policyDocument } from '../policy-document.js';

/** What a `webhook_event` job carries (queued by the inbox as it stores the event). */
export const WebhookEventJobSchema = z.object({ webhookEventId: z.string().regex(/^\d+$/) });

/** This many deals' events are processed side by side. */
const DEALS_AT_ONCE = 4;

/**
 * Processes these stored events (by inbox id): their facts are read together, each deal's events run one after
 * another in the order given, and the outcomes are recorded together. An event processed already (a retried job, a
 * duplicate delivery) changes nothing. Returns the events that failed, with why; the others are processed.
 */
export async function processWebhookEvents(deps: ServiceDeps, eventIds: readonly string[]): Promise<Map<string, Error>> {
  const facts = await loadEventFacts(deps.db, [...new Set(eventIds)]);
  const due = [...facts.values()].filter(({ event }) => event.processedAt === null);
  const order = new Map([...new Set(eventIds)].map((id, index) => [id, index]));
  due.sort((a, b) => order.get(a.event.id)! - order.get(b.event.id)!);

  const failures = new Map<string, Error>();
  const outcomes: { id: string; outcome: string }[] = [];
  await eachDealInOrder(due, async (known) => {
    try {
      const outcome = await processEvent(deps, known);
      outcomes.push({ id: known.event.id, outcome });
      deps.logger.debug({ webhookEventId: known.event.id, outcome }, 'webhook event processed');
    } catch (error) {
      failures.set(known.event.id, error instanceof Error ? error : new Error(String(error)));
    }
  });
  await markEventsProcessed(deps.db, outcomes, isoNow(deps));
  await feedDealCache(deps, due.filter(({ event }) => !failures.has(event.id)));
  return failures;
}

/**
 * A deal's events run one after another, in order: a later change is judged on what the earlier one left (a request
 * it invalidated, a stage it recorded). Different deals' events run side by side.
 */
async function eachDealInOrder(events: readonly EventFacts[], run: (facts: EventFacts) => Promise<void>): Promise<void> {
  const byDeal = new Map<string, EventFacts[]>();
  for (const facts of events) {
    const deal = `${facts.event.portalId}:${facts.event.objectId}`;
    byDeal.set(deal, [...(byDeal.get(deal) ?? []), facts]);
  }
  const lines = [...byDeal.values()];
  const runner = async () => {
    for (let line = lines.shift(); line; line = lines.shift()) for (const facts of line) await run(facts);
  };
  await Promise.all(Array.from({ length: Math.min(DEALS_AT_ONCE, lines.length) }, runner));
}

async function processEvent(deps: ServiceDeps, facts: EventFacts): Promise<string> {
  const { event, portal } = facts;
  if (!portal || portal.installState === 'uninstalled') return 'portal_not_installed';
  if (portal.featureFlag === 'off') return 'flag_off';

  const kind = dealEventKind(event.subscriptionType, typeof event.payload.objectTypeId === 'string' ? event.payload.objectTypeId : null);
  const ignored = ignoredKind(kind);
  if (ignored !== null) return ignored;
  if (kind === 'deal.deletion') return onDealDeleted(deps, portal, event.objectId, event.eventId);
  // A new deal has no request yet; the deal cache reads it (feedDealCache).
  if (kind === 'deal.creation') return 'deal_created';
  if (event.propertyName === null) return 'no_property';
  if (isOwnWrite(event, facts)) return 'own_write';
  if (event.propertyName === 'dealstage') return onStageChanged(deps, portal, event);
  return onPropertyChanged(deps, portal, facts, event.propertyName);
}

async function onPropertyChanged(deps: ServiceDeps, portal: Portal, { event, latest: live }: EventFacts, property: string): Promise<string> {
  // The latest request as read with the batch; a request changed since is found under its lock in onDealChanged.
  if (!live || !isLive(live.state)) return 'no_live_request';
  // Material for the policy version the request was routed with, not whatever is active now.
  const policy = await policyDocument(deps, deps.db, portal.id, live.policyVersionId);
  if (!policy || !materialProperties(policy).includes(property)) return 'not_material';
  // An event reports one property's new value. One that is the value the request was routed on changes nothing (HubSpot
  // reports a property set to the value it had, and echoes our own writes), so the deal is not read for it: a change
  // to another property comes in an event of its own, and a later value of this one in another event.
  if (event.propertyValue !== null && materialChanges(live.dealSnapshot, withValue(live.dealSnapshot, property, event.propertyValue), policy).length === 0) {
    return 'no_material_change';
  }
  // Order does not matter here: the use case reads the deal as it is now, whichever event arrives first.
  const result = await onDealChanged(deps, portal, event.objectId, live);
  if (result.kind !== 'assessed') return result.kind;
  return result.invalidated ? 'invalidated' : 'approval_stands';
}

const withValue = (deal: Deal, property: string, value: string): Deal => ({ ...deal, properties: { ...deal.properties, [property]: value } });
