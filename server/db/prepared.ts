// A transaction whose statements go out in batches, on one of knex's pooled connections (pg's connection under knex).
import type { Knex } from 'knex';
import type pg from 'pg';

interface KnexClient {
  acquireConnection(): Promise<pg.Client>;
  releaseConnection(connection: pg.Client): Promise<void>;
  emit(event: 'query', query: { sql: string; bindings: readonly unknown[]; method: 'raw' }): void;
  /** knex's own `?` to `$n` conversion (it leaves an escaped `\\?` as an operator). */
  positionBindings(sql: string): string;
}

/** A statement as knex writes one: `?` placeholders and their bindings. */
export interface Statement {
  sql: string;
  bindings: readonly unknown[];
}

/** Sends one batch of statements and resolves with each one's rows, or the first failure in order. */
export type SendBatch = <Row = Record<string, unknown>>(statements: readonly Statement[], options?: { thenCommit?: boolean }) => Promise<Row[][]>;

const BEGIN: Statement = { sql: 'BEGIN', bindings: [] };
const COMMIT: Statement = { sql: 'COMMIT', bindings: [] };

/**
 * A transaction on one of knex's pooled connections whose statements go to Postgres in batches: `send` writes a
 * batch in one write to the socket (the first batch behind BEGIN, and one sent `thenCommit` with COMMIT behind it)
 * and resolves once Postgres has answered them all. The connections are pipelined (see database.ts): Postgres runs
 * a batch's statements one after another without waiting for this process in between, so the locks they take are
 * released as soon as it has run them and the COMMIT, not when this process next gets back to the transaction
 * (under load, milliseconds). When a statement fails, the ones behind it fail too (the transaction is aborted) and a
 * COMMIT behind them rolls back; `send` rejects with the first failure. If `run` throws before the transaction has
 * ended, it is rolled back; if it returns, it is committed. One batch at a time: `run` awaits each `send` before the
 * next. For a handful of hot paths: elsewhere, knex's own.
 */
export async function pipelinedTransaction<T>(db: Knex, run: (send: SendBatch) => Promise<T>): Promise<T> {
  const client = db.client as KnexClient;
  const connection = await client.acquireConnection();
  const tx: { state: 'idle' | 'open' | 'ended' } = { state: 'idle' };
  const send: SendBatch = async <Row>(statements: readonly Statement[], options: { thenCommit?: boolean } = {}) => {
    if (tx.state === 'ended') throw new Error('this transaction has already ended');
    const batch = [...(tx.state === 'idle' ? [BEGIN] : []), ...statements, ...(options.thenCommit ? [COMMIT] : [])];
    tx.state = options.thenCommit ? 'ended' : 'open';
    const outcomes = await sendBatch<Row>(client, connection, batch);
    const failed = outcomes.find((outcome) => 'error' in outcome);
    if (failed) throw failed.error;
    return outcomes.slice(batch[0] === BEGIN ? 1 : 0, options.thenCommit ? -1 : undefined).map((outcome) => (outcome as { rows: Row[] }).rows);
  };
  try {
    const result = await run(send);
    if (tx.state === 'open') await send([], { thenCommit: true });
    return result;
  } catch (error) {
    if (tx.state === 'open') await connection.query('ROLLBACK').catch(() => undefined); // a broken connection is dropped by the pool
    throw error;
  } finally {
    await client.releaseConnection(connection);
  }
}

/** The batch handed to the connection in order, corked so the socket gets it in one write; each one's outcome. */
function sendBatch<Row>(client: KnexClient, connection: pg.Client, batch: readonly Statement[]): Promise<({ rows: Row[] } | { error: unknown })[]> {
  // pg writes each statement itself (cork, messages, uncork); an outer cork makes the batch one write. The socket
  // is pg's own, not part of its documented API: without it, the statements still go out in order, one write each.
  const socket = (connection as unknown as { connection?: { stream?: { cork?: () => void; uncork?: () => void } } }).connection?.stream;
  socket?.cork?.();
  try {
    // A pipelined connection writes each statement as it is handed over: nothing is awaited in this loop.
    return Promise.all(batch.map(({ sql, bindings }) => {
      client.emit('query', { sql, bindings, method: 'raw' });
      return connection.query<Row & pg.QueryResultRow>({ text: client.positionBindings(sql), values: bindings })
        .then((result) => ({ rows: result.rows }), (error: unknown) => ({ error }));
    }));
  } finally {
    socket?.uncork?.();
  }
}
