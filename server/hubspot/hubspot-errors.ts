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
  /** HubSpot's error `category` or `status` field (e.g. RATE_LIMITS, BAD_REFRESH_TOKEN) when it sent one. */
  readonly hubspotCategory: string | null;
  /** 429, 5xx and no answer: worth another try later. */
  readonly retryable: boolean;

  constructor(operation: string, status: number | null, category: string | null, options: { cause?: unknown; retryAfterSeconds?: number }) {
    const retryable = status === null || status === 429 || status >= 500;
    const what = status === null ? 'no answer' : `HTTP ${status}${category ? ` ${category}` : ''}`;
    super(retryable ? 'unavailable' : 'internal', `HubSpot ${operation} failed: ${what}`, {
      cause: options.cause,
      retryAfterSeconds: options.retryAfterSeconds ?? (retryable ? 5 : undefined),
    });
    this.hubspotStatus = status;
    this.hubspotCategory = category;
    this.retryable = retryable;
  }
}

export function isApiException(error: unknown): error is ApiExceptionLike {
  return error instanceof Error && typeof (error as { code?: unknown }).code === 'number';
}

/** Wraps whatever the api-client threw; `cause` keeps the original for debugging, the message stays secret-free. */
export function toHubSpotApiError(operation: string, error: unknown): HubSpotApiError {
  if (error instanceof HubSpotApiError) return error;
  if (!isApiException(error)) return new HubSpotApiError(operation, null, null, { cause: error });
  return new HubSpotApiError(operation, error.code, categoryOf(error.body), {
    cause: error,
    retryAfterSeconds: retryAfter(error.headers),
  });
}

function categoryOf(body: unknown): string | null {
  if (typeof body !== 'object' || body === null) return null;
  const { category, status } = body as { category?: unknown; status?: unknown };
  if (typeof status === 'string' && /^[A-Z_]+$/.test(status)) return status;
  return typeof category === 'string' && /^[A-Z_]+$/.test(category) ? category : null;
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
