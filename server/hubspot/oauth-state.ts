// The OAuth `state`: a signed, expiring, single-use token, so a callback is only accepted for an install this
// service started (CSRF) and only once (replay). Signed with a key derived from the client secret: no extra secret.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const STATE_TTL_MS = 10 * 60_000;

export type StateCheck =
  | { ok: true; nonce: string; expiresAt: Date }
  | { ok: false; reason: 'missing' | 'malformed' | 'bad_signature' | 'expired' | 'replayed' };

export function stateKey(clientSecret: string): Buffer {
  return createHmac('sha256', clientSecret).update('approval-router/oauth-state/v1').digest();
}

export function signState(key: Buffer, now: Date, ttlMs = STATE_TTL_MS): string {
  const payload = Buffer.from(JSON.stringify({ n: randomBytes(16).toString('base64url'), e: now.getTime() + ttlMs })).toString('base64url');
  return `${payload}.${mac(key, payload)}`;
}

/** Signature and expiry only; the install use case makes it single-use (store/oauth-states.ts). */
export function verifyState(key: Buffer, state: string | undefined, now: Date): StateCheck {
  if (!state) return { ok: false, reason: 'missing' };
  const [payload, signature, extra] = state.split('.');
  if (!payload || !signature || extra !== undefined || state.length > 512) return { ok: false, reason: 'malformed' };
  const expected = Buffer.from(mac(key, payload));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad_signature' };
  let parsed: { n?: unknown; e?: unknown };
  try {
    parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { n?: unknown; e?: unknown };
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (typeof parsed.n !== 'string' || typeof parsed.e !== 'number') return { ok: false, reason: 'malformed' };
  if (parsed.e <= now.getTime()) return { ok: false, reason: 'expired' };
  return { ok: true, nonce: parsed.n, expiresAt: new Date(parsed.e) };
}

function mac(key: Buffer, payload: string): string {
  return createHmac('sha256', key).update(payload).digest('base64url');
}
