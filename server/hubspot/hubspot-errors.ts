// One typed error for a failed HubSpot call, carrying what a caller needs to decide (retry, stop, report)
// and nothing it must not log: the api-client's own message embeds response bodies and headers.
import { AppError } from '../errors.js';

interface ApiExceptionLike {
  code: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export class HubSpotApiError extends AppError {
  /** HubSpot's HTTP status, or null when no answer came (network failure, timeout). */
  readonly hubspotStatus: number | null;
  /**
   * HubSpot's error `status`, `category` or `errorType` field (e.g. BAD_REFRESH_TOKEN, RATE_LIMITS, RATE_LIMIT), or the
   * OAuth endpoints' RFC 6749 `error` code (e.g. invalid_grant), when it sent one.
   */
  readonly hubspotCategory: string | null;
  /** 429, 5xx and no (readable) answer: worth another try later. */
  readonly retryable: boolean;
  /** A 429's `policyName`: TEN_SECONDLY_ROLLING (wait seconds) or DAILY (wait for the next day), when HubSpot named it. */
  readonly rateLimitPolicy: string | null;

  constructor(operation: string, status: number | null, category: string | null, options: { cause?: unknown; retryAfterSeconds?: number; rateLimitPolicy?: string | null; unreadable?: boolean }) {
    const retryable = status === null || status === 429 || status >= 500;
    const what = options.unreadable ? 'an unreadable answer' : status === null ? 'no answer' : `HTTP ${status}${category ? ` ${category}` : ''}`;
    super(retryable ? 'unavailable' : 'internal', `HubSpot ${operation} failed: ${what}`, {
      cause: options.cause,
      // Without a Retry-After, a 429 waits out HubSpot's rolling 10-second window.
      retryAfterSeconds: options.retryAfterSeconds ?? (status === 429 ? 10 : retryable ? 5 : undefined),
    });
    this.hubspotStatus = status;
    this.hubspotCategory = category;
    this.retryable = retryable;
    this.rateLimitPolicy = options.rateLimitPolicy ?? null;
  }

  /** HubSpot's daily limit: no call succeeds before the day turns, so retrying within seconds only burns errors. */
  get dailyLimitReached(): boolean {
    return this.hubspotStatus === 429 && this.rateLimitPolicy === 'DAILY';
  }
}

export function isApiException(error: unknown): error is ApiExceptionLike {
  return error instanceof Error && typeof (error as { code?: unknown }).code === 'number';
}

/** Wraps whatever the api-client threw; `cause` keeps the original for debugging, the message stays secret-free. */
export function toHubSpotApiError(operation: string, error: unknown): HubSpotApiError {
  if (error instanceof HubSpotApiError) return error;
  // The api-client parses the body itself: a broken one (a 200 cut short) ends as a SyntaxError. Whether HubSpot
  // acted is unknown, so it is retried like no answer (fetch's own network failures are TypeErrors: no answer).
  if (!isApiException(error)) return new HubSpotApiError(operation, null, null, { cause: error, unreadable: error instanceof SyntaxError });
  return answeredError(operation, error.code, error.body, error.headers, error);
}

/** A non-2xx answer HubSpot gave: its status, what its body names it, and how long it asks to wait. */
export function answeredError(operation: string, status: number, body: unknown, headers: Record<string, string> | undefined, cause?: unknown): HubSpotApiError {
  return new HubSpotApiError(operation, status, categoryOf(body), {
    cause,
    retryAfterSeconds: retryAfter(headers),
    rateLimitPolicy: status === 429 ? codeField(body, 'policyName', /^[A-Z_]+$/) : null,
  });
}

/**
 * HubSpot's errors name themselves in `status` (v1 OAuth: BAD_REFRESH_TOKEN), `category` (CRM) or `errorType` (429s:
 * RATE_LIMIT); the 2026-03 OAuth endpoints answer as RFC 6749 says, in `error` (invalid_grant, invalid_client, …).
 */
function categoryOf(body: unknown): string | null {
  const upper = /^[A-Z_]+$/;
  return codeField(body, 'status', upper) ?? codeField(body, 'category', upper) ?? codeField(body, 'errorType', upper) ?? codeField(body, 'error', /^[a-z_]+$/);
}

function codeField(body: unknown, name: string, shape: RegExp): string | null {
  if (typeof body !== 'object' || body === null) return null;
  const value = (body as Record<string, unknown>)[name];
  return typeof value === 'string' && value.length <= 64 && shape.test(value) ? value : null;
}

function retryAfter(headers: Record<string, string> | undefined): number | undefined {
  const value = Number(headers?.['retry-after']);
  return Number.isFinite(value) && value > 0 ? Math.ceil(value) : undefined;
}

/**
 * The api-client sets no timeout on fetch: a HubSpot that never answers would hold an admin's page (or a row lock)
 * forever. Past the deadline the call counts as "no answer" (retryable); its late result is dropped.
 */
export async function withDeadline<T>(operation: string, work: Promise<T>, ms: number): Promise<T> {
  // The losing call's late rejection must not surface as unhandled.
  work.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new HubSpotApiError(operation, null, null, { cause: new Error(`no answer within ${ms} ms`) })), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The JSON body of an answer from the api-client's generic `apiRequest` (which hands back the fetch Response as it
 * is): a non-2xx answer becomes a HubSpotApiError, as the typed API methods' failures do; a body that is not JSON is
 * an unreadable answer.
 */
export async function readJsonAnswer(operation: string, response: Response): Promise<unknown> {
  const text = await response.text();
  let body: unknown = null;
  try {
    body = text === '' ? null : JSON.parse(text);
  } catch (error) {
    if (response.ok) throw new HubSpotApiError(operation, null, null, { cause: error, unreadable: true });
  }
  if (!response.ok) throw answeredError(operation, response.status, body, Object.fromEntries(response.headers));
  return body;
}
