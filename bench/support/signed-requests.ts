// Requests as HubSpot delivers them to the service: card requests with the viewer's identity in the query and
// webhook batches, each signed (v3) when it is made, as HubSpot signs a request as it sends it.
import { DEMO_PORTAL_ID } from '../../server/demo/seed-demo-portal.js';
import { signRequest, withCardIdentity } from '../../server/http/sign-request.js';
import { prepare, sendPrepared, type LeanResponse, type PreparedRequest } from './lean-client.js';
import { HUBSPOT_FETCH } from './open-loop.js';

export interface CardUser { email: string; userId: string }

/** A card request of the demo portal from `user`, to the service at `base`. */
export function cardRequest(secret: string, base: string, method: 'GET' | 'POST', pathname: string, user: CardUser, body?: unknown): PreparedRequest {
  const url = withCardIdentity(`${base}${pathname}`, { portalId: DEMO_PORTAL_ID, ...user });
  const signed = signRequest({ secret, method, url, body, timestampMs: Date.now() });
  return prepare(method, url, signed.headers, body === undefined ? undefined : signed.rawBody);
}

/** A card request sent at once, for setting a run up; an answer outside 2xx throws with its body. */
export async function callCard(secret: string, base: string, method: 'GET' | 'POST', pathname: string, user: CardUser, body?: unknown): Promise<LeanResponse> {
  const answer = await sendPrepared(cardRequest(secret, base, method, pathname, user, body), HUBSPOT_FETCH.timeoutMs);
  if (answer.status < 200 || answer.status > 299) throw new Error(`${method} ${pathname} answered ${answer.status}: ${answer.body.slice(0, 300)}`);
  return answer;
}

export interface PropertyChange { eventId: number; dealId: string; propertyName: string; propertyValue: string }

/** A webhook batch of deal property changes in the demo portal, as HubSpot posts it. */
export function webhookRequest(secret: string, base: string, changes: readonly PropertyChange[]): PreparedRequest {
  const occurredAt = Date.now();
  const events = changes.map((change, k) => ({
    eventId: change.eventId, subscriptionId: 1, portalId: Number(DEMO_PORTAL_ID), appId: 1, occurredAt: occurredAt + k,
    subscriptionType: 'deal.propertyChange', attemptNumber: 0, objectId: Number(change.dealId),
    propertyName: change.propertyName, propertyValue: change.propertyValue, changeSource: 'CRM_UI',
  }));
  const url = `${base}/webhooks/hubspot`;
  const signed = signRequest({ secret, method: 'POST', url, body: events, timestampMs: Date.now() });
  return prepare('POST', url, signed.headers, signed.rawBody);
}
