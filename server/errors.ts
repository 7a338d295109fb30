// One error type for expected failures; the central handler in server/http/error-handler.ts maps it to HTTP.

export type ErrorName =
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'unavailable'
  | 'internal';

const statusByName: Record<ErrorName, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unavailable: 503,
  internal: 500,
};

export interface FieldProblem {
  path: string;
  message: string;
}

export class AppError extends Error {
  override readonly name: string = 'AppError';
  readonly code: ErrorName;
  readonly status: number;
  readonly details: FieldProblem[] | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorName, message: string, options: { cause?: unknown; details?: FieldProblem[]; retryAfterSeconds?: number } = {}) {
    super(message, { cause: options.cause });
    this.code = code;
    this.status = statusByName[code];
    this.details = options.details;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export const badRequest = (message: string, details?: FieldProblem[]) => new AppError('bad_request', message, { details });
export const unauthorized = (message: string) => new AppError('unauthorized', message);
export const forbidden = (message: string) => new AppError('forbidden', message);
export const notFound = (message: string) => new AppError('not_found', message);
export const conflict = (message: string) => new AppError('conflict', message);

/**
 * Thrown by work that knows when to try again (a 429's Retry-After, a portal over its budget, a timer claimed before
 * its time): the job worker retries it then, and an HTTP caller gets 503 with Retry-After, so one error serves both.
 */
export class RetryLaterError extends AppError {
  override readonly name: string = 'RetryLaterError';
  override readonly retryAfterSeconds: number;
  /** A rate limit or budget is not the work's fault: the retry does not count as an attempt. */
  readonly countsAsAttempt: boolean;

  constructor(message: string, retryAfterSeconds: number, options: { countsAsAttempt?: boolean; cause?: unknown } = {}) {
    super('unavailable', message, { cause: options.cause, retryAfterSeconds });
    this.retryAfterSeconds = retryAfterSeconds;
    this.countsAsAttempt = options.countsAsAttempt ?? true;
  }
}
