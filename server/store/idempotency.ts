// Idempotent actions: HubSpot retries a request once on a 5xx, and people double-click. The first call with a key
// runs and stores its answer in the same transaction as its effects; a repeat returns that answer and acts no more.
import type { Knex } from 'knex';
import { pipelinedTransaction, type SendBatch, type Statement } from '../db/prepared.js';
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
  /** The body as sent the first time, byte for byte: what every answer to this key sends. */
  json: string;
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
    const json = JSON.stringify(answer.body);
    await trx('idempotency_keys').where({ portal_id: scope.portalId, key: scope.key })
      .update({ status: answer.status, response: json });
    return { ...answer, json, replayed: false };
  });
}

/** What a traced action writes and answers; see runIdempotentTraced. */
export interface TracedAction<T extends { traceHash: string }> {
  status: number;
  body: Omit<T, 'traceHash'>;
  writes: Statement[];
  trace: TraceEntry;
}

/**
 * What the action acts on as this process believes it stands (say, as its own last write left it), and a SQL
 * condition, true while what the action's writes do not check themselves still holds.
 */
export interface Assumed<L> {
  locked: L;
  holds: Statement;
}

/**
 * As runIdempotent, for an action on a locked row whose answer carries the hash of the trace it appends, in two
 * round trips to Postgres (see pipelinedTransaction):
 * - BEGIN, the key's claim and `lock` (the statement that locks and reads the row acted on) go out together.
 *   Postgres runs them in that order, so a transaction only ever waits for that row's lock after it holds its key;
 *   two calls with one key cannot each hold what the other waits for. A repeat of a call (its key already taken)
 *   holds the row's lock only until it has read the stored answer, one round trip more.
 * - The action decides from the locked rows; it may read (with `send`, on the transaction's connection: one taken
 *   from the pool while this one is held could wait on the others' locks), and returns what to write.
 * - Its writes, then the trace appended with the answer stored beside it, then COMMIT go out together. Appending
 *   takes the portal's chain-head lock, which every other traced write in the portal waits on, so it is held while
 *   Postgres runs the appending statement and the commit, never while this process gets back to it. Should any of
 *   them fail, Postgres answers the COMMIT by rolling back.
 *
 * With `assumed`, the action first decides from what is assumed, before any transaction, and everything goes out
 * in one round trip: BEGIN, the claim, `holds` (which also fails unless the key was this call's to claim), the
 * writes (which must fail on a row that is not as assumed: a version check), the trace and COMMIT. If anything in
 * that fails, or the action refuses what is assumed, nothing was written, and the call runs as above.
 */
export async function runIdempotentTraced<T extends { traceHash: string }, L>(
  db: Knex,
  scope: IdempotencyScope,
  lock: { statement: Statement; read: (rows: unknown[]) => L },
  action: (locked: L, send?: SendBatch) => Promise<TracedAction<T>>,
  options: { assumed?: Assumed<L> | undefined } = {},
): Promise<StoredAnswer<T>> {
  if (options.assumed) {
    const { locked, holds } = options.assumed;
    const answered = await action(locked)
      .then((decided) => pipelinedTransaction(db, (send) => saveTraced<T>(send, scope, decided, [claimStatement(scope), keyClaimedAnd(scope, holds)])))
      .catch(() => null);
    if (answered) return answered;
  }
  return pipelinedTransaction(db, async (send) => {
    const [claimed, locked] = await send([claimStatement(scope), lock.statement]);
    if (claimed!.length === 0) {
      const [stored] = await send<StoredKey>([storedKeyStatement(scope)]);
      return replay<T>(scope, stored![0]);
    }
    return saveTraced<T>(send, scope, await action(lock.read(locked!), send), []);
  });
}

/** Sends `before`, the action's writes, its trace with the answer stored beside it, and COMMIT. */
async function saveTraced<T extends { traceHash: string }>(
  send: SendBatch, scope: IdempotencyScope, { status, body, writes, trace }: TracedAction<T>, before: Statement[],
): Promise<StoredAnswer<T>> {
  const append = appendTraceCall(trace);
  // The stored text is JSON.stringify of the body with traceHash as its last key, as this call answers below: the
  // body's text with `,"traceHash":"…"` put before its closing brace.
  const answer: Statement = {
    sql: `WITH appended AS (${append.sql}), answered AS (
       UPDATE idempotency_keys SET status = ?, response = left(?, -1) || ',"traceHash":' || (SELECT to_json(trace_hash)::text FROM appended) || '}'
       WHERE portal_id = ? AND key = ?)
     SELECT trace_hash FROM appended`,
    bindings: [...append.bindings, status, JSON.stringify(body), scope.portalId, scope.key],
  };
  const results = await send([...before, ...writes, answer], { thenCommit: true });
  const traceHash = (results.at(-1)?.[0] as { trace_hash?: string } | undefined)?.trace_hash;
  if (!traceHash) throw new Error('append_trace returned no row');
  const answered = { ...body, traceHash };
  return { status, body: answered as unknown as T, json: JSON.stringify(answered), replayed: false };
}

/** Fails unless this call's claim took the key (a key taken before has its answer stored) and `holds` is true. */
function keyClaimedAnd(scope: IdempotencyScope, holds: Statement): Statement {
  return {
    sql: `SELECT raise_unless(EXISTS (SELECT 1 FROM idempotency_keys WHERE portal_id = ? AND key = ? AND status IS NULL) AND (${holds.sql}),
      'the idempotency key was taken before, or the rows acted on are not as assumed')`,
    bindings: [scope.portalId, scope.key, ...holds.bindings],
  };
}

/** The statement that claims a key for this call: it returns a row when this call is the first with the key. */
function claimStatement(scope: IdempotencyScope): Statement {
  // A concurrent call with the same key waits here until the first commits (then replays) or rolls back (then runs).
  return {
    sql: `INSERT INTO idempotency_keys (portal_id, key, user_id, operation, fingerprint) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (portal_id, key) DO NOTHING RETURNING 1 AS claimed`,
    bindings: [scope.portalId, scope.key, scope.userId, scope.operation, scope.fingerprint],
  };
}

/** Claims the key for this call, or returns the stored answer of the call that claimed it first. */
async function claimKey<T>(trx: Knex.Transaction, scope: IdempotencyScope): Promise<StoredAnswer<T> | null> {
  const claim = claimStatement(scope);
  const { rows } = await trx.raw<{ rows: unknown[] }>(claim.sql, claim.bindings as Knex.RawBinding[]);
  return rows.length === 0 ? storedAnswer<T>(trx, scope) : null;
}

interface StoredKey { user_id: string; operation: string; fingerprint: string; status: number | null; response: string | null }

function storedKeyStatement(scope: IdempotencyScope): Statement {
  return {
    sql: 'SELECT user_id, operation, fingerprint, status, response FROM idempotency_keys WHERE portal_id = ? AND key = ?',
    bindings: [scope.portalId, scope.key],
  };
}

/** The answer of the call that claimed this key first, which a repeat of it gets again. */
async function storedAnswer<T>(trx: Knex.Transaction, scope: IdempotencyScope): Promise<StoredAnswer<T>> {
  const statement = storedKeyStatement(scope);
  const { rows } = await trx.raw<{ rows: StoredKey[] }>(statement.sql, statement.bindings as Knex.RawBinding[]);
  return replay<T>(scope, rows[0]);
}

function replay<T>(scope: IdempotencyScope, stored: StoredKey | undefined): StoredAnswer<T> {
  if (!stored || stored.status === null || stored.response === null) throw new AppError('conflict', 'this action is already in progress; retry shortly');
  if (stored.user_id !== scope.userId || stored.operation !== scope.operation || stored.fingerprint !== scope.fingerprint) {
    throw new AppError('conflict', 'this idempotency key was already used for a different action');
  }
  return { status: stored.status, body: JSON.parse(stored.response) as T, json: stored.response, replayed: true };
}
