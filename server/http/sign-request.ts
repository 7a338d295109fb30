// Signs a request the way HubSpot's proxy does, for our tests, the benchmarks and the `approval-router demo` command.
import { computeSignatureV3, hubspotDecodeUri } from './verify-signature.js';

export interface SignRequestInput {
  secret: string;
  method: string;
  /**
   * The full URL as the service verifies it: its base URL (`signedBaseUrl`), the path and the query (identity
   * parameters are the caller's to add). The request may be sent to another address of the same service.
   */
  url: string;
  /** Sent as JSON, as `hubspot.fetch` sends the card's body object. */
  body?: unknown;
  timestampMs: number;
  /** `hubspot` (default) signs the URI after HubSpot's decoding; `as-is` signs it untouched, like the dev proxy. */
  uriForm?: 'hubspot' | 'as-is';
}

export interface SignedRequest {
  headers: Record<string, string>;
  /** Send exactly these bytes: the signature covers them. */
  rawBody: string;
}

/** A card request's URL with the identity HubSpot appends to the query (the card also sends it from its context). */
export function withCardIdentity(url: string, viewer: { portalId: string; userId: string; email: string }): string {
  const query = new URLSearchParams({ portalId: viewer.portalId, userId: viewer.userId, userEmail: viewer.email }).toString();
  return `${url}${url.includes('?') ? '&' : '?'}${query}`;
}

export function signRequest({ secret, method, url, body, timestampMs, uriForm = 'hubspot' }: SignRequestInput): SignedRequest {
  const rawBody = body === undefined ? '' : JSON.stringify(body);
  const timestamp = String(timestampMs);
  const signature = computeSignatureV3({
    secret,
    method: method.toUpperCase(),
    uri: uriForm === 'hubspot' ? hubspotDecodeUri(url) : url,
    rawBody,
    timestamp,
  });
  const headers: Record<string, string> = {
    'X-HubSpot-Signature-v3': signature,
    'X-HubSpot-Request-Timestamp': timestamp,
  };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  return { headers, rawBody };
}
