// The one place errors become HTTP answers: AppError maps to its status; anything else is a logged 500
// whose body carries no internals.
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { answerFor, databaseTroubleOf } from '../db/database-errors.js';
import { AppError } from '../errors.js';

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new AppError('not_found', `no route for ${req.method} ${req.path}`));
};

export const errorHandler: ErrorRequestHandler = (error: unknown, req, res, _next) => {
  const appError = toAppError(error);
  if (appError.status >= 500 && appError.code !== 'unavailable') {
    req.log?.error({ err: error }, 'unexpected error');
  } else if (appError.code === 'unavailable') {
    req.log?.warn({ reason: databaseTroubleOf(error)?.reason ?? appError.message }, 'service unavailable');
  }
  if (res.headersSent) return;
  if (appError.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(appError.retryAfterSeconds));
  res.status(appError.status).json({
    error: {
      code: appError.code,
      message: appError.message,
      ...(appError.details ? { details: appError.details } : {}),
      requestId: req.id,
    },
  });
};

/** Errors raised by Express's own parsers and by the database driver, translated to what the client should hear. */
function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const e = error as { type?: string; status?: number; code?: string };
  if (e.type === 'entity.parse.failed') return new AppError('bad_request', 'the request body is not valid JSON');
  if (e.type === 'entity.too.large') return new AppError('payload_too_large', 'the request body is too large');
  if (e.type === 'encoding.unsupported' || e.type === 'charset.unsupported') return new AppError('unsupported_media_type', 'send the body as UTF-8 JSON');
  if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) return new AppError('bad_request', 'the request could not be read');
  const trouble = databaseTroubleOf(error);
  if (trouble) {
    const { message, retryAfterSeconds } = answerFor(trouble);
    return new AppError('unavailable', message, { cause: error, retryAfterSeconds });
  }
  return new AppError('internal', 'internal error');
}
