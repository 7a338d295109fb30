// Idempotent actions: HubSpot retries a request once on a 5xx, and people double-click. The first call with a key
// runs and stores its answer in the same transaction as its effects; a repeat returns that answer and acts no more.
import type { Knex } from 'knex';
import { lastStatementThenCommit } from '../db/prepared.js';
import { AppError } from '../errors.js';
import { appendTraceCall, type TraceEntry } from './traces.js';

export interface IdempotencyScope {
  portalId: string;
  key: string;
  userId: string;
  operation: string;
  /** A hash of what is being asked: the same key with other content is refused, not replayed. */
  fingerprint: string;
}

export interface StoredAnswer<T> {
  status: number;
  body: T;
  replayed: boolean;
}

export async function runIdempotent<T>(
  db: Knex,
  scope: IdempotencyScope,
  action: (trx: Knex.Transaction) => Promise<{ status: number; body: T }>,
): Promise<StoredAnswer<T>> {
  return db.transaction(async (trx) => {
    const replayed = await claimKey<T>(trx, scope);
    if (replayed) return replayed;
    const answer = await action(trx);
    await trx('idempotency_keys').where({ portal_id: scope.portalId, key: scope.key })
      .update({ status: answer.status, response: JSON.stringify(answer.body) });
    return { ...answer, replayed: false };
  });
}

/**
 * As runIdempotent, for an action whose answer carries the hash of the trace it appends. The trace is appended and
 * the answer stored by one statement, last, with the COMMIT queued right behind it on the same connection: appending
 * takes the portal's chain-head lock, which every other write in the portal waits on, and so it is held for that
 * statement and the commit only, not for however long this process takes to come back to the transaction (under
 * load, tens of milliseconds). Should the statement fail, Postgres answers the queued COMMIT by rolling back.
 */
export async function runIdempotentTraced<T extends { traceHash: string }>(
  db: Knex,
  scope: IdempotencyScope,
  action: (trx: Knex.Transaction) => Promise<{ status: number; body: Omit<T, 'traceHash'>; trace: TraceEntry }>,
): Promise<StoredAnswer<T>> {
  let answer: StoredAnswer<T> | undefined;
  let failure: { error: unknown } | undefined;
  // The transaction is committed inside (see lastStatementThenCommit), so its outcome comes out through these.
  await db.transaction(async (trx) => {
    const replayed = await claimKey<T>(trx, scope);
    if (replayed) {
      answer = replayed;
      return;
    }
    const { status, body, trace } = await action(trx);
    const append = appendTraceCall(trace);
    try {
      const rows = await lastStatementThenCommit<{ trace_hash: string }>(trx,
        `WITH appended AS (${append.sql}), answered AS (
           UPDATE idempotency_keys SET status = ?, response = ?::jsonb || jsonb_build_object('traceHash', (SELECT trace_hash FROM appended))
           WHERE portal_id = ? AND key = ?)
         SELECT trace_hash FROM appended`,
        [...append.bindings, status, JSON.stringify(body), scope.portalId, scope.key]);
      const traceHash = rows[0]?.trace_hash;
      if (!traceHash) throw new Error('append_trace returned no row');
      answer = { status, body: { ...body, traceHash } as unknown as T, replayed: false };
    } catch (error) {
      failure = { error };
    }
  });
  if (failure) throw failure.error;
  if (!answer) throw new Error('the traced action finished without an answer');
  return answer;
}

/** Claims the key for this call, or returns the stored answer of the call that claimed it first. */
async function claimKey<T>(trx: Knex.Transaction, scope: IdempotencyScope): Promise<StoredAnswer<T> | null> {
  // A concurrent call with the same key waits here until the first commits (then replays) or rolls back (then runs).
  const inserted = await trx.raw<{ rowCount: number }>(
    `INSERT INTO idempotency_keys (portal_id, key, user_id, operation, fingerprint) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (portal_id, key) DO NOTHING`,
    [scope.portalId, scope.key, scope.userId, scope.operation, scope.fingerprint],
  );
  if (inserted.rowCount !== 0) return null;
  const stored = await trx('idempotency_keys').where({ portal_id: scope.portalId, key: scope.key })
    .first<{ user_id: string; operation: string; fingerprint: string; status: number | null; response: T }>();
  if (!stored || stored.status === null) throw new AppError('conflict', 'this action is already in progress; retry shortly');
  if (stored.user_id !== scope.userId || stored.operation !== scope.operation || stored.fingerprint !== scope.fingerprint) {
    throw new AppError('conflict', 'this idempotency key was already used for a different action');
  }
  return { status: stored.status, body: stored.response, replayed: true };
}
