// The settings page's one door to the approval-router service. Every call goes through hubspot.fetch here, with the
// viewer's identity in the query string and a timeout; every answer becomes a typed value or an ApiError. HubSpot
// builds each extension folder on its own, so this is the page's own copy of the cards' call (extensions/app/cards/
// api.ts), with PUT and DELETE and a per-call timeout added for the admin endpoints.
import { hubspot } from '@hubspot/ui-extensions';
import type { BaseContext } from '@hubspot/ui-extensions';

/** A field the service refused, by its path (`body.comment`). */
export interface FieldProblem {
  path: string;
  message: string;
}

/** The service's error body (server/errors.ts), whatever the endpoint. */
export interface ErrorAnswer {
  error: { code: string; message: string; details?: FieldProblem[]; requestId?: string };
}

/**
 * The profile variable that names the service's public URL. The project's profiles (extensions/hsprofile.<name>.json)
 * set it once per environment; the hsmeta files use it for permittedUrls.fetch and the webhooks' target, and HubSpot
 * hands the profile's variables to every extension as `context.variables`, so the cards and the settings page call the
 * URL the app permits.
 */
export const SERVICE_URL_VARIABLE = 'SERVICE_URL';

/** HubSpot's own default; the service answers well within it. */
export const REQUEST_TIMEOUT_MS = 15_000;

/** The longest HubSpot lets a fetch wait. */
export const MAX_TIMEOUT_MS = 120_000;

/**
 * Who is asking, and of which service. HubSpot appends the identity to the signed URL too, but its local dev proxy
 * does not, so the extension sends it. `serviceUrl` is null when it was built without a valid SERVICE_URL.
 */
export interface Identity {
  serviceUrl: string | null;
  portalId: string;
  userId: string;
  userEmail: string;
}

export type ApiErrorKind =
  | 'validation' | 'unauthorized' | 'forbidden' | 'not_found' | 'conflict' | 'unavailable' | 'network' | 'server' | 'bad_response'
  | 'not_configured';

export interface ApiError {
  kind: ApiErrorKind;
  /** The service's status when it can be told, else the proxy's; null when nothing answered. */
  status: number | null;
  code: string;
  message: string;
  details: FieldProblem[];
  requestId: string | null;
}

export type ApiResult<T> = { ok: true; value: T } | { ok: false; error: ApiError };

export function identityOf(context: Pick<BaseContext, 'portal' | 'user' | 'variables'>): Identity {
  return {
    serviceUrl: serviceUrlOf(context.variables),
    portalId: String(context.portal.id),
    userId: String(context.user.id),
    userEmail: context.user.email,
  };
}

/** The SERVICE_URL profile variable as an origin (`https://host[:port]`), or null when it is missing or not one. */
export function serviceUrlOf(variables: BaseContext['variables']): string | null {
  const value = variables?.[SERVICE_URL_VARIABLE];
  if (typeof value !== 'string') return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  const bare = url.pathname === '/' && url.search === '' && url.hash === '' && url.username === '' && url.password === '';
  return url.protocol === 'https:' && bare ? url.origin : null;
}

/**
 * A failure after which the same action may be sent again with the same idempotency key: the first attempt may
 * have landed (HubSpot itself retries once on a 5xx or a failed connection). Any other answer is final.
 */
export function isRetryable(error: ApiError): boolean {
  return error.kind === 'network' || error.kind === 'unavailable' || error.kind === 'server';
}

/** A key for one user action; the service answers a repeat of the same key with the first outcome. */
export function newIdempotencyKey(): string {
  const random = typeof globalThis.crypto?.randomUUID === 'function'
    ? globalThis.crypto.randomUUID()
    : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;
  return `hs-${random}`;
}

/** The URL of a call: the service's URL, the path, the viewer's identity and any extra query parameters. */
export function urlFor(path: string, identity: Identity & { serviceUrl: string }, extra: Record<string, string> = {}): string {
  const query = new URLSearchParams({ portalId: identity.portalId, userId: identity.userId, userEmail: identity.userEmail, ...extra });
  return `${identity.serviceUrl}${path}?${query.toString()}`;
}

// ---- the call and its answers ----------------------------------------------------------------------------

/** GET and POST for the cards; the admin API adds PUT (the flag) and DELETE (revoking a delegation, dropping a candidate). */
export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/**
 * Sends one request to the service and reads its answer: `isAnswer` tells ours from anything else a proxy may send.
 * `query` adds parameters after the identity (a DELETE carries its idempotency key and version there); `timeoutMs`
 * gives a long-running call (a simulation) more than HubSpot's default, up to its limit of 120 s.
 */
export async function callService<T>(
  method: Method, path: string, identity: Identity, body: object | undefined, isAnswer: (value: unknown) => value is T,
  query: Record<string, string> = {}, timeoutMs: number = REQUEST_TIMEOUT_MS,
): Promise<ApiResult<T>> {
  const { serviceUrl } = identity;
  if (serviceUrl === null) {
    return failure({
      kind: 'not_configured', status: null, code: 'not_configured',
      message: `HubSpot does not know where the approval service is: the app was uploaded without a valid ${SERVICE_URL_VARIABLE} profile variable. Ask your HubSpot developer to upload it with a profile (hs project upload --profile <name>).`,
      details: [], requestId: null,
    });
  }
  let response: Response;
  try {
    response = await hubspot.fetch(urlFor(path, { ...identity, serviceUrl }, query), {
      method,
      timeout: Math.min(timeoutMs, MAX_TIMEOUT_MS),
      ...(body === undefined ? {} : { body: { ...body } }),
    });
  } catch (cause) {
    return failure({
      kind: 'network', status: null, code: 'network',
      message: `Could not reach the approval service (${describeCause(cause)}). Check your connection and try again.`,
      details: [], requestId: null,
    });
  }
  const payload = await readPayload(response);
  if (response.ok && isAnswer(payload)) return { ok: true, value: payload };
  const wrapped = findErrorAnswer(payload, 0);
  if (wrapped) return failure(fromErrorAnswer(wrapped.answer, wrapped.status ?? (response.ok ? null : response.status)));
  if (response.ok) {
    return failure({
      kind: 'bad_response', status: response.status, code: 'bad_response',
      message: 'The approval service sent an answer the app does not understand. Reload the page; if it persists, tell your admin.',
      details: [], requestId: null,
    });
  }
  return failure(fromStatus(response.status));
}

function failure(error: ApiError): { ok: false; error: ApiError } {
  return { ok: false, error };
}

async function readPayload(response: Response): Promise<unknown> {
  let text: string;
  try {
    text = await response.text();
  } catch {
    return undefined;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** Keys under which a proxy nests the backend's answer (HubSpot's local dev proxy uses `responseBody`). */
const WRAPPER_KEYS = ['responseBody', 'body', 'response', 'data', 'message'] as const;

/**
 * Finds our `{ error: {...} }` body inside whatever the proxy wrapped it in: as is, under a wrapper key, or as a
 * JSON string there. A wrapper's own status field, when present, is the service's status.
 */
function findErrorAnswer(value: unknown, depth: number): { answer: ErrorAnswer; status: number | null } | null {
  if (depth > 4 || value === null || value === undefined) return null;
  if (typeof value === 'string') {
    const trimmed = value.trim();
    if (!trimmed.startsWith('{')) return null;
    try {
      return findErrorAnswer(JSON.parse(trimmed) as unknown, depth + 1);
    } catch {
      return null;
    }
  }
  if (typeof value !== 'object') return null;
  if (isErrorAnswer(value)) return { answer: value, status: null };
  const record = value as Record<string, unknown>;
  for (const key of WRAPPER_KEYS) {
    const inner = findErrorAnswer(record[key], depth + 1);
    if (inner) return { answer: inner.answer, status: inner.status ?? statusField(record) };
  }
  return null;
}

function statusField(record: Record<string, unknown>): number | null {
  for (const key of ['status', 'statusCode', 'responseStatus']) {
    const candidate = record[key];
    if (typeof candidate === 'number' && candidate >= 400 && candidate <= 599) return candidate;
  }
  return null;
}

/** Our error codes (server/errors.ts) say more than a proxy's status, which may be a 502 around a 403. */
const KIND_BY_CODE: Record<string, { kind: ApiErrorKind; status: number }> = {
  bad_request: { kind: 'validation', status: 400 },
  payload_too_large: { kind: 'validation', status: 413 },
  unauthorized: { kind: 'unauthorized', status: 401 },
  forbidden: { kind: 'forbidden', status: 403 },
  not_found: { kind: 'not_found', status: 404 },
  conflict: { kind: 'conflict', status: 409 },
  unavailable: { kind: 'unavailable', status: 503 },
  internal: { kind: 'server', status: 500 },
};

function fromErrorAnswer(answer: ErrorAnswer, status: number | null): ApiError {
  const known = KIND_BY_CODE[answer.error.code];
  const resolvedStatus = known?.status ?? status;
  return {
    kind: known?.kind ?? (resolvedStatus === null ? 'server' : kindOfStatus(resolvedStatus)),
    status: resolvedStatus,
    code: answer.error.code,
    message: answer.error.message,
    details: answer.error.details ?? [],
    requestId: answer.error.requestId ?? null,
  };
}

function kindOfStatus(status: number): ApiErrorKind {
  if (status === 400 || status === 413 || status === 422) return 'validation';
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status === 409) return 'conflict';
  if (status === 429 || status === 502 || status === 503 || status === 504) return 'unavailable';
  return 'server';
}

const MESSAGE_BY_KIND: Record<ApiErrorKind, string> = {
  validation: 'The approval service could not read this request.',
  unauthorized: 'HubSpot could not vouch for this request. Reload the page and try again.',
  forbidden: 'You are not allowed to do this.',
  not_found: 'The approval service does not know what this asked for.',
  conflict: 'Someone changed this since you loaded it.',
  unavailable: 'The approval service is busy or unavailable. Try again in a moment.',
  network: 'Could not reach the approval service.',
  server: 'The approval service failed on this request. Try again; if it persists, tell your admin.',
  bad_response: 'The approval service sent an answer the app does not understand.',
  not_configured: 'The app does not know where the approval service is.',
};

function fromStatus(status: number): ApiError {
  const kind = kindOfStatus(status);
  return { kind, status, code: `http_${status}`, message: MESSAGE_BY_KIND[kind], details: [], requestId: null };
}

function describeCause(cause: unknown): string {
  if (cause instanceof Error && cause.message) return cause.message;
  return 'no answer';
}

// ---- shape checks: enough to refuse an answer that is not ours, not a second schema ----------------------

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isErrorAnswer(value: unknown): value is ErrorAnswer {
  return isObject(value) && isObject(value.error) && typeof value.error.code === 'string' && typeof value.error.message === 'string';
}
