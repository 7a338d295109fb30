// The token in an email's Approve and Reject links: the ballot it decides (portal, request, step, approver), the
// request's row version when the step started, the verdict, an expiry and the link's id, signed with HMAC-SHA256 under
// the server's link key. Anyone can read a token; nobody without the key can make or change one.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

export interface LinkClaims {
  /** The link's id, shared by the Approve and Reject links of one email: its use is recorded under it. */
  linkId: string;
  portalId: string;
  requestId: string;
  stepIndex: number;
  /** The approver the link decides as (normalised), and no one else. */
  approver: string;
  /** The request's row version when the step started. */
  rowVersion: number;
  verdict: 'approve' | 'reject';
  /** Seconds since the epoch; the link is refused from then on. */
  expiresAt: number;
}

const Compact = z.object({
  v: z.literal(1),
  l: z.string().regex(/^[\w-]{16,64}$/),
  p: z.string().regex(/^\d{1,20}$/),
  r: z.string().uuid(),
  s: z.number().int().min(0).max(1000),
  a: z.string().min(3).max(320),
  rv: z.number().int().min(1),
  d: z.enum(['approve', 'reject']),
  e: z.number().int().min(0),
}).strict();

/** Keeps the link's signature apart from any other HMAC made with the same key. */
const LINK_CONTEXT = 'approval-router/email-link/v1\n';

export function signLink(keys: readonly string[], claims: LinkClaims): string {
  const key = keys[0];
  if (!key) throw new Error('no link signing key');
  const compact: z.infer<typeof Compact> = {
    v: 1, l: claims.linkId, p: claims.portalId, r: claims.requestId, s: claims.stepIndex, a: claims.approver,
    rv: claims.rowVersion, d: claims.verdict, e: claims.expiresAt,
  };
  const payload = Buffer.from(JSON.stringify(compact)).toString('base64url');
  return `${payload}.${mac(key, LINK_CONTEXT, payload).toString('base64url')}`;
}

export type LinkReading = { ok: true; claims: LinkClaims } | { ok: false; reason: 'malformed' | 'bad_signature' };

/** The token's claims when one of the keys signed it exactly so; expiry is the caller's to check, against its clock. */
export function readLink(keys: readonly string[], token: string): LinkReading {
  const match = /^([\w-]{1,2048})\.([\w-]{43})$/.exec(token);
  if (!match) return { ok: false, reason: 'malformed' };
  const [, payload = '', signature = ''] = match;
  const given = Buffer.from(signature, 'base64url');
  // Every key is tried, whichever matches: the time taken does not tell which key, or how much of a signature, was right.
  const verified = keys.map((key) => timingSafeEqual(mac(key, LINK_CONTEXT, payload), given)).includes(true);
  if (!verified) return { ok: false, reason: 'bad_signature' };
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const parsed = Compact.safeParse(json);
  if (!parsed.success) return { ok: false, reason: 'malformed' };
  const c = parsed.data;
  return { ok: true, claims: { linkId: c.l, portalId: c.p, requestId: c.r, stepIndex: c.s, approver: c.a, rowVersion: c.rv, verdict: c.d, expiresAt: c.e } };
}

/** Keeps the form's token apart from a link's. */
const FORM_CONTEXT = 'approval-router/email-form/v1\n';

/**
 * The token a confirmation page's form carries: bound to the link and to a random value in the browser's cookie, so a
 * form posted from another site (which can set neither) or another link's page is refused.
 */
export function formToken(keys: readonly string[], linkId: string, browserNonce: string): string {
  const key = keys[0];
  if (!key) throw new Error('no link signing key');
  return mac(key, FORM_CONTEXT, `${linkId}\n${browserNonce}`).toString('base64url');
}

export function checkFormToken(keys: readonly string[], linkId: string, browserNonce: string, token: string): boolean {
  const given = Buffer.from(token, 'base64url');
  if (given.length !== 32) return false;
  return keys.map((key) => timingSafeEqual(mac(key, FORM_CONTEXT, `${linkId}\n${browserNonce}`), given)).includes(true);
}

function mac(key: string, context: string, text: string): Buffer {
  return createHmac('sha256', key).update(context).update(text).digest();
}

/** Keeps the opt-out token apart from the decision links. */
const OPT_OUT_CONTEXT = 'approval-router/email-opt-out/v1\n';

const OptOutCompact = z.object({ v: z.literal(1), p: z.string().regex(/^\d{1,20}$/), a: z.string().min(3).max(320) }).strict();

export interface OptOutClaims { portalId: string; email: string }

/** The token of an email's "no more approval emails" link: the portal and the person, and nothing to decide with. */
export function signOptOut(keys: readonly string[], claims: OptOutClaims): string {
  const key = keys[0];
  if (!key) throw new Error('no link signing key');
  const payload = Buffer.from(JSON.stringify({ v: 1, p: claims.portalId, a: claims.email })).toString('base64url');
  return `${payload}.${mac(key, OPT_OUT_CONTEXT, payload).toString('base64url')}`;
}

export function readOptOut(keys: readonly string[], token: string): OptOutClaims | null {
  const match = /^([\w-]{1,1024})\.([\w-]{43})$/.exec(token);
  if (!match) return null;
  const [, payload = '', signature = ''] = match;
  const given = Buffer.from(signature, 'base64url');
  if (!keys.map((key) => timingSafeEqual(mac(key, OPT_OUT_CONTEXT, payload), given)).includes(true)) return null;
  try {
    const parsed = OptOutCompact.safeParse(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')));
    return parsed.success ? { portalId: parsed.data.p, email: parsed.data.a } : null;
  } catch {
    return null;
  }
}
