// Recognising our own writes when HubSpot echoes them back as webhooks, so a write of ours never triggers
// another (the loop guard). Stage writes are the gate's rollbacks, recorded in deal_stage_history before the
// call; the approval_router_* properties are the sync's, recorded in synced_properties.
import type { Knex } from 'knex';
import { STAGE_PROPERTY } from '../../src/deal.js';
import type { WebhookEventRow } from './webhook-inbox.js';

/** How far an echo's occurredAt may sit from the time we recorded the write (clocks and retried writes differ). */
export const ECHO_WINDOW_MS = 10 * 60_000;

// HubSpot marks a change made through the API by an app with one of these sources and the app's id as sourceId.
const APP_CHANGE_SOURCES = new Set(['INTEGRATION', 'API']);

export async function isOwnWrite(db: Knex, event: WebhookEventRow): Promise<boolean> {
  if (madeByThisApp(event)) return true;
  if (event.propertyName === null) return false;
  const value = event.propertyValue ?? '';
  // Only within the window: a rep who later sets the same value by hand made a change of their own.
  const near = (at: Date) => Math.abs(event.occurredAt.getTime() - at.getTime()) <= ECHO_WINDOW_MS;
  if (event.propertyName === STAGE_PROPERTY) {
    const rollbacks = await db('deal_stage_history').where({ portal_id: event.portalId, deal_id: event.objectId, source: 'rollback', stage: value })
      .orderBy('occurred_at', 'desc').limit(3).pluck<Date[]>('occurred_at');
    return rollbacks.some(near);
  }
  const synced = await db('synced_properties').where({ portal_id: event.portalId, deal_id: event.objectId })
    .first<{ properties: Record<string, unknown>; synced_at: Date } | undefined>();
  return synced !== undefined && synced.properties[event.propertyName] === value && near(synced.synced_at);
}

/** The event's own sourceId names the subscribing app, which is us: the change came through our token. */
function madeByThisApp(event: WebhookEventRow): boolean {
  const appId = event.payload.appId;
  if ((typeof appId !== 'number' && typeof appId !== 'string') || event.sourceId === null || event.changeSource === null) return false;
  if (!APP_CHANGE_SOURCES.has(event.changeSource.toUpperCase())) return false;
  return event.sourceId.replace(/^appId:/i, '') === String(appId);
}
