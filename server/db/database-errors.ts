// The one place that tells a database that is away or slow from a bug: such a failure is the database's state, not
// the request's fault, so it answers 503 with a short reason (the central error handler) and is logged without a stack.
export type DatabaseTrouble =
  /** The connection could not be made or was lost: Postgres stopped, restarting, unreachable. */
  | { kind: 'unreachable'; reason: string }
  /** No pooled connection came free in time, or Postgres refused one more client. */
  | { kind: 'busy'; reason: string }
  /** Postgres cancelled the statement: it ran past the statement timeout (or was cancelled by hand). */
  | { kind: 'timeout'; reason: string };

/** Socket errors that mean the connection to Postgres is gone or cannot be made. */
const LOST_SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

/** What went wrong with the database, or null when the error is not about its availability. */
export function databaseTroubleOf(error: unknown): DatabaseTrouble | null {
  for (const candidate of causesOf(error)) {
    const trouble = troubleOf(candidate);
    if (trouble) return trouble;
  }
  return null;
}

function troubleOf(error: unknown): DatabaseTrouble | null {
  // knex's pool waited its acquire timeout (knex.mjs does not export the class to test against).
  if (error instanceof Error && error.name === 'KnexTimeoutError') return { kind: 'busy', reason: 'database did not give a connection in time' };
  const { code, syscall, message } = (error ?? {}) as { code?: unknown; syscall?: unknown; message?: unknown };
  if (typeof code === 'string') {
    // A Unix socket that is not there: Postgres is stopped (it removes its socket file), not a missing file of ours.
    if (code === 'ENOENT' && syscall === 'connect') return { kind: 'unreachable', reason: 'database is not running' };
    if (code === 'ECONNREFUSED') return { kind: 'unreachable', reason: 'database refused the connection' };
    if (LOST_SOCKET_CODES.has(code)) return { kind: 'unreachable', reason: 'database connection lost' };
    // SQLSTATE class 08: connection exception; 57P: admin or crash shutdown, cannot connect now, database dropped.
    if (/^08[0-9A-Z]{3}$/.test(code)) return { kind: 'unreachable', reason: 'database connection lost' };
    if (code === '57P03') return { kind: 'unreachable', reason: 'database is starting up or shutting down' };
    if (/^57P[0-9A-Z]{2}$/.test(code)) return { kind: 'unreachable', reason: 'database ended the session' };
    if (code === '57014') return { kind: 'timeout', reason: 'database statement ran too long' };
    if (code === '53300') return { kind: 'busy', reason: 'database has no connection to spare' };
  }
  // node-postgres reports a connection that ends under it by message only; knex puts the statement before it.
  if (typeof message === 'string' && /(?:^| - )(?:Connection terminated|Client has encountered a connection error|Client was closed)/.test(message)) {
    return { kind: 'unreachable', reason: 'database connection lost' };
  }
  return null;
}

/** The error, its causes, and the errors an AggregateError gathers (a connection tried on several addresses). */
function* causesOf(error: unknown, depth = 0): Generator<unknown> {
  if (error === null || error === undefined || depth > 5) return;
  yield error;
  if (error instanceof AggregateError) for (const inner of error.errors) yield* causesOf(inner, depth + 1);
  if (error instanceof Error && error.cause !== undefined) yield* causesOf(error.cause, depth + 1);
}

/** What a client is told about the trouble, with how long to wait before retrying. */
export function answerFor(trouble: DatabaseTrouble): { message: string; retryAfterSeconds: number } {
  switch (trouble.kind) {
    case 'unreachable': return { message: 'the database is unavailable; retry shortly', retryAfterSeconds: 5 };
    case 'busy': return { message: 'the database is busy; retry shortly', retryAfterSeconds: 2 };
    case 'timeout': return { message: 'the database took too long to answer; retry shortly', retryAfterSeconds: 2 };
  }
}
