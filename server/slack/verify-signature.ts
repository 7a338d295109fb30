// Slack's request signature (v0): `X-Slack-Signature` = `v0=` + hex HMAC-SHA256(signing secret,
// `v0:` + `X-Slack-Request-Timestamp` + `:` + raw body). A request older or newer than five minutes is refused,
// so a captured one cannot be replayed later; the comparison takes the same time whatever the bytes.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SLACK_SIGNATURE_WINDOW_SECONDS = 5 * 60;

export type SlackSignatureFailure = 'missing_headers' | 'stale_timestamp' | 'bad_signature';

/** The timestamp Slack sent, if it is within the window around `nowMs`; else why not. */
export function checkSlackTimestamp(timestamp: string | undefined, nowMs: number): { ok: true; seconds: number } | { ok: false; reason: SlackSignatureFailure } {
  if (timestamp === undefined || !/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'missing_headers' };
  const seconds = Number(timestamp);
  if (Math.abs(nowMs / 1000 - seconds) > SLACK_SIGNATURE_WINDOW_SECONDS) return { ok: false, reason: 'stale_timestamp' };
  return { ok: true, seconds };
}

export function slackSignature(signingSecret: string, timestamp: string, rawBody: Buffer | string): string {
  const hmac = createHmac('sha256', signingSecret);
  hmac.update(`v0:${timestamp}:`);
  hmac.update(rawBody);
  return `v0=${hmac.digest('hex')}`;
}

/** True when `signature` is the v0 signature of this timestamp and body under the secret. */
export function isSlackSignatureValid(signingSecret: string, timestamp: string, rawBody: Buffer, signature: string | undefined): boolean {
  if (signature === undefined || !/^v0=[0-9a-f]{64}$/.test(signature)) return false;
  const expected = Buffer.from(slackSignature(signingSecret, timestamp, rawBody), 'utf8');
  return timingSafeEqual(expected, Buffer.from(signature, 'utf8'));
}
