// Guards the card API: a request passes only with a valid X-HubSpot-Signature-v3, and the caller's identity is
// read from the signed query string (never the body), so nobody can act as another user or portal.
import type { Request, RequestHandler, Response } from 'express';
import { isEmailAddress, normaliseEmail } from '../../src/directory/email.js';
import { AppError } from '../errors.js';
import { verifySignatureV3, type SignatureFailure, type SignatureVerdict } from './verify-signature.js';

export interface Identity {
  portalId: string;
  userId: string;
  /** Normalised (normaliseEmail), as every address it is compared with. */
  userEmail: string;
}

export type IdentityFailure = 'missing_identity' | 'invalid_identity' | 'conflicting_identity';
export type SignatureMiddlewareFailure = SignatureFailure | IdentityFailure;

export interface SignatureMiddlewareOptions {
  /** The app's client secret. */
  secret: string;
  /** The base URL callers sign (see `signedBaseUrl` in config.ts), e.g. https://approvals.example.com. */
  baseUrl: string;
  now?: () => number;
  /** Called with a stable, metric-friendly reason before the 401 is raised. */
  onFailure?: (reason: SignatureMiddlewareFailure, req: Request) => void;
}

// Short answers for the card; they name the rule that failed and nothing about the secret or the digests.
const failureMessages: Record<SignatureFailure, string> = {
  missing_signature: 'missing X-HubSpot-Signature-v3',
  missing_timestamp: 'missing X-HubSpot-Request-Timestamp',
  bad_timestamp: 'malformed request timestamp',
  expired: 'request timestamp is too old',
  from_future: 'request timestamp is in the future',
  mismatch: 'invalid signature',
};

export function createSignatureMiddleware(options: SignatureMiddlewareOptions): RequestHandler {
  const { secret, baseUrl, now = Date.now, onFailure } = options;
  if (!secret) throw new Error('createSignatureMiddleware: secret is required');

  const fail = (req: Request, reason: SignatureMiddlewareFailure, message: string): AppError => {
    onFailure?.(reason, req);
    return new AppError('unauthorized', message);
  };

  return (req, res, next) => {
    const verdict = verifyHubSpotSignature(req, { secret, baseUrl, nowMs: now() });
    if (!verdict.ok) {
      next(fail(req, verdict.reason, failureMessages[verdict.reason]));
      return;
    }

    const identity = readIdentity(req.originalUrl);
    if (!identity.ok) {
      next(fail(req, identity.reason, identity.message));
      return;
    }
    res.locals.identity = identity.identity;
    next();
  };
}

/**
 * Verifies a request's v3 signature over this service's own base URL. The request's Host and X-Forwarded-*
 * headers are the caller's to choose: a signature HubSpot made for another backend of the same app (same secret)
 * would verify over them, so they never name the URL. Card requests and webhooks share this one rule.
 */
export function verifyHubSpotSignature(req: Request, options: { secret: string; baseUrl: string; nowMs: number }): SignatureVerdict {
  return verifySignatureV3({
    secret: options.secret,
    method: req.method,
    uriCandidates: [`${options.baseUrl.replace(/\/+$/, '')}${req.originalUrl}`],
    // No body (a GET, or an empty POST) was signed as the empty string.
    rawBody: req.rawBody ?? '',
    signature: req.get('x-hubspot-signature-v3'),
    timestamp: req.get('x-hubspot-request-timestamp'),
    nowMs: options.nowMs,
  });
}

/** The identity the signature middleware established; a route outside the middleware is a wiring bug. */
export function getIdentity(res: Response): Identity {
  const identity = res.locals.identity as Identity | undefined;
  if (!identity) throw new AppError('internal', 'identity requested on a route without the signature middleware');
  return identity;
}

type IdentityResult =
  | { ok: true; identity: Identity }
  | { ok: false; reason: IdentityFailure; message: string };

// Portal and user ids are stored as bigint: at most 18 digits fit with room to spare.
const DIGITS = /^\d{1,18}$/;

// Parsed from originalUrl itself (the bytes that were signed), not req.query, whose parser is configurable.
function readIdentity(originalUrl: string): IdentityResult {
  const queryStart = originalUrl.indexOf('?');
  const params = new URLSearchParams(queryStart === -1 ? '' : originalUrl.slice(queryStart + 1));

  const read = (name: keyof Identity, normalise: (value: string) => string = (value) => value) => {
    // HubSpot appends its own copy and the card sends one (the dev proxy appends nothing): all must agree.
    const copies = new Set(params.getAll(name).map(normalise));
    if (copies.size === 0) return { ok: false as const, reason: 'missing_identity' as const, message: `missing ${name}` };
    if (copies.size > 1) return { ok: false as const, reason: 'conflicting_identity' as const, message: 'conflicting identity parameters' };
    return { ok: true as const, value: [...copies][0] ?? '' };
  };

  const portalId = read('portalId');
  if (!portalId.ok) return portalId;
  const userId = read('userId');
  if (!userId.ok) return userId;
  const userEmail = read('userEmail', normaliseEmail);
  if (!userEmail.ok) return userEmail;

  if (!DIGITS.test(portalId.value)) return { ok: false, reason: 'invalid_identity', message: 'invalid portalId' };
  if (!DIGITS.test(userId.value)) return { ok: false, reason: 'invalid_identity', message: 'invalid userId' };
  if (!isEmailAddress(userEmail.value)) return { ok: false, reason: 'invalid_identity', message: 'invalid userEmail' };
  return { ok: true, identity: { portalId: portalId.value, userId: userId.value, userEmail: userEmail.value } };
}
