// HubSpot request signatures, v3: HMAC-SHA256 over method + URI + raw body + timestamp, keyed by the app's
// client secret. Pure functions (time comes in as an argument) so the rules can be tested without HTTP.
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface SignatureV3Input {
  secret: string;
  method: string;
  uri: string;
  /** The exact body bytes; hashing bytes rather than a re-decoded string keeps odd encodings honest. */
  rawBody: string | Buffer;
  /** The X-HubSpot-Request-Timestamp header, exactly as sent. */
  timestamp: string;
}

export function computeSignatureV3({ secret, method, uri, rawBody, timestamp }: SignatureV3Input): string {
  // Successive updates hash the same bytes as one concatenated string, without copying the body.
  return createHmac('sha256', secret).update(method).update(uri).update(rawBody).update(timestamp).digest('base64');
}

// HubSpot decodes these escapes, and only these, before signing (so `userEmail=a%40b.c` is signed as `a@b.c`).
const HUBSPOT_DECODED_ESCAPES = /%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi;

/** The URI as HubSpot signs it. One pass, so `%2540` stays `%2540` (its `%25` is not on the list). */
export function hubspotDecodeUri(uri: string): string {
  return uri.replace(HUBSPOT_DECODED_ESCAPES, (_match, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/**
 * The URIs a signature may have been made over, most likely first: each candidate as HubSpot signs it (decoded), then
 * as it is (the local dev proxy's form). A card request's query always carries an escape (`userEmail=a%40b.c`), so
 * trying the HubSpot form first spares every production request a second HMAC.
 */
export function signedUriForms(uriCandidates: readonly string[]): string[] {
  return [...new Set(uriCandidates.flatMap((uri) => [hubspotDecodeUri(uri), uri]))];
}

export type SignatureFailure = 'missing_signature' | 'missing_timestamp' | 'bad_timestamp' | 'expired' | 'from_future' | 'mismatch';
export type SignatureVerdict = { ok: true } | { ok: false; reason: SignatureFailure };

export interface VerifySignatureV3Input {
  secret: string;
  method: string;
  /** The URIs the caller may have signed; each is also tried HubSpot-decoded. */
  uriCandidates: readonly string[];
  rawBody: string | Buffer;
  signature: string | undefined;
  timestamp: string | undefined;
  nowMs: number;
  maxSkewMs?: number;
}

export const DEFAULT_MAX_SKEW_MS = 300_000;

export function verifySignatureV3(input: VerifySignatureV3Input): SignatureVerdict {
  const { secret, method, uriCandidates, rawBody, signature, timestamp, nowMs, maxSkewMs = DEFAULT_MAX_SKEW_MS } = input;
  if (!signature) return { ok: false, reason: 'missing_signature' };
  if (!timestamp) return { ok: false, reason: 'missing_timestamp' };
  // Milliseconds since the epoch, digits only: `Number()` alone would accept '1e12', ' 12' or '0x1f'.
  if (!/^\d{1,16}$/.test(timestamp)) return { ok: false, reason: 'bad_timestamp' };
  const timestampMs = Number(timestamp);
  // The window runs both ways: a timestamp far ahead would otherwise extend a captured request's replay life.
  if (nowMs - timestampMs > maxSkewMs) return { ok: false, reason: 'expired' };
  if (timestampMs - nowMs > maxSkewMs) return { ok: false, reason: 'from_future' };

  const given = Buffer.from(signature, 'utf8');
  for (const uri of signedUriForms(uriCandidates)) {
    const expected = Buffer.from(computeSignatureV3({ secret, method, uri, rawBody, timestamp }), 'utf8');
    // timingSafeEqual needs equal lengths; a digest's length is public, so checking it first leaks nothing.
    if (expected.length === given.length && timingSafeEqual(expected, given)) return { ok: true };
  }
  return { ok: false, reason: 'mismatch' };
}
