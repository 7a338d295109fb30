// Recognising our own writes when HubSpot echoes them back as webhooks, so a write of ours never triggers
// another (the loop guard). Stage writes are the gate's rollbacks, recorded in deal_stage_history before the
// call; the approval_router_* properties are the sync's, recorded in synced_properties.
import { STAGE_PROPERTY } from '../../../src/deal.js';
import type { EchoFacts, WebhookEventRow } from '../../store/inbox.js';

/** How far an echo's occurredAt may sit from the time we recorded the write (clocks and retried writes differ). */
export const ECHO_WINDOW_MS = 10 * 60_000;

// HubSpot marks a change made through the API by an app with one of these sources and the app's id as sourceId.
const APP_CHANGE_SOURCES = new Set(['INTEGRATION', 'API']);

export function isOwnWrite(event: WebhookEventRow, facts: EchoFacts): boolean {
  if (madeByThisApp(event)) return true;
  if (event.propertyName === null) return false;
  const value = event.propertyValue ?? '';
  // Only within the window: a rep who later sets the same value by hand made a change of their own.
  const near = (at: Date) => Math.abs(event.occurredAt.getTime() - at.getTime()) <= ECHO_WINDOW_MS;
  if (event.propertyName === STAGE_PROPERTY) return facts.rollbacks.some(near);
  const { synced } = facts;
  return synced !== null && synced.properties[event.propertyName] === value && near(synced.syncedAt);
}

/** The event's own sourceId names the subscribing app, which is us: the change came through our token. */
function madeByThisApp(event: WebhookEventRow): boolean {
  const appId = event.payload.appId;
  if ((typeof appId !== 'number' && typeof appId !== 'string') || event.sourceId === null || event.changeSource === null) return false;
  if (!APP_CHANGE_SOURCES.has(event.changeSource.toUpperCase())) return false;
  return event.sourceId.replace(/^appId:/i, '') === String(appId);
}
