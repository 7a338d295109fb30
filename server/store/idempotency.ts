// Idempotent actions: HubSpot retries a request once on a 5xx, and people double-click. The first call with a key
// runs and stores its answer in the same transaction as its effects; a repeat returns that answer and acts no more.
import type { Knex } from 'knex';
import { AppError } from '../errors.js';
import { stageTraceAndAnswer, type TraceEntry } from './traces.js';
import { namedStatement } from '../db/database.js';

const durableAnswerStatement = namedStatement('durable-answer');

export interface IdempotencyScope {
  portalId: string;
  key: string;
  userId: string;
  operation: string;
  /** A hash of what is being asked: the same key with other content is refused, not replayed. */
  fingerprint: string;
  /** When the call was asked, by the service's clock: the key's creation time if this call claims it. */
  at: string;
}

export interface StoredAnswer<T> {
  status: number;
  body: T;
  /** The body as sent the first time, byte for byte: what every answer to this key sends. */
  json: string;
  replayed: boolean;
}

/**
 * Runs `action` in a transaction that first claims the key. The key is the first lock the transaction takes (see the
 * lock order in traces.ts): a concurrent call with the same key waits on it until the first commits (then replays
 * its answer) or rolls back (then runs).
 */
export async function runIdempotent<T>(
  db: Knex,
  scope: IdempotencyScope,
  action: (trx: Knex.Transaction) => Promise<{ status: number; body: T }>,
): Promise<StoredAnswer<T>>;
/**
 * As above, for an action whose answer names the trace it appends: the trace is appended as the transaction commits
 * (the chain head is the last lock a transaction takes), and the answer stored with it gets the trace's hash as
 * `traceHash`; the answer is read back once committed.
 */
export async function runIdempotent<T extends { traceHash: string }>(
  db: Knex,
  scope: IdempotencyScope,
  action: (trx: Knex.Transaction) => Promise<{ status: number; body: Omit<T, 'traceHash'>; trace: TraceEntry }>,
): Promise<StoredAnswer<T>>;
export async function runIdempotent<T>(
  db: Knex,
  scope: IdempotencyScope,
  action: (trx: Knex.Transaction) => Promise<{ status: number; body: unknown; trace?: TraceEntry }>,
): Promise<StoredAnswer<T>> {
  const done = await db.transaction(async (trx) => {
    if (!(await claimKey(trx, scope))) return 'replay' as const;
    const answer = await action(trx);
    if (answer.trace) {
      await stageTraceAndAnswer(trx, answer.trace, scope, { status: answer.status, body: answer.body as object });
      return 'staged' as const;
    }
    const json = JSON.stringify(answer.body);
    await trx('idempotency_keys').where({ portal_id: scope.portalId, key: scope.key })
      .update({ status: answer.status, response: json });
    return { status: answer.status, body: answer.body as T, json, replayed: false };
  });
  if (done === 'replay') return { ...await durableAnswer<T>(db, scope), replayed: true };
  if (done === 'staged') return { ...await durableAnswer<T>(db, scope), replayed: false };
  return done;
}

/** Claims the key for this call; false when a call claimed it first (and has committed, or rolled back). */
async function claimKey(trx: Knex.Transaction, scope: IdempotencyScope): Promise<boolean> {
  const claimed = await trx('idempotency_keys')
    .insert({ portal_id: scope.portalId, key: scope.key, user_id: scope.userId, operation: scope.operation, fingerprint: scope.fingerprint, created_at: scope.at })
    .onConflict(['portal_id', 'key']).ignore()
    .returning('key');
  return claimed.length > 0;
}

interface StoredKey { user_id: string; operation: string; fingerprint: string; status: number | null; response: string | null }

/**
 * The answer stored under the key, read in a statement that writes and waits for the disk. A staged trace's commit
 * returns before its WAL reaches the disk (migrations/20261204008000); WAL is flushed in order, so once this returns
 * the action is durable too, and no answer, first or repeated, leaves before its action is. A crash before then loses
 * the action and its answer together, and a retry with the same key acts anew.
 */
async function durableAnswer<T>(db: Knex, scope: IdempotencyScope): Promise<Omit<StoredAnswer<T>, 'replayed'>> {
  const { rows } = await db.raw<{ rows: StoredKey[] }>(
    'UPDATE idempotency_keys SET status = status WHERE portal_id = ? AND key = ? RETURNING user_id, operation, fingerprint, status, response',
    [scope.portalId, scope.key],
  ).options(durableAnswerStatement);
  const stored = rows[0];
  if (!stored || stored.status === null || stored.response === null) throw new AppError('conflict', 'this action is already in progress; retry shortly');
  if (stored.user_id !== scope.userId || stored.operation !== scope.operation || stored.fingerprint !== scope.fingerprint) {
    throw new AppError('conflict', 'this idempotency key was already used for a different action');
  }
  return { status: stored.status, body: JSON.parse(stored.response) as T, json: stored.response };
}
