// Named prepared statements for the hottest reads. knex sends every statement unnamed, so Postgres parses and
// plans it each time; for the card view's statements planning costs several times the execution (bench/http's
// setup measured the latest-request statement at 733 µs of Postgres CPU unnamed, 147 µs prepared). pg prepares a
// named statement once per connection and then only binds and executes it. The statement runs on a connection of
// knex's own pool, and knex's 'query' event still fires, so query listeners see it as they see any other.
// Also here, on the same footing (pg's connection under knex): a transaction's statements sent back to back, with its
// COMMIT behind them.
import type { Knex } from 'knex';
import type pg from 'pg';

export interface PreparedStatement {
  name: string;
  /** The SQL with `?` placeholders, as knex.raw takes it. */
  sql: string;
}

export function prepared(name: string, sql: string): PreparedStatement {
  return { name, sql };
}

interface KnexClient {
  acquireConnection(): Promise<pg.Client>;
  releaseConnection(connection: pg.Client): Promise<void>;
  emit(event: 'query', query: { sql: string; bindings: readonly unknown[]; method: 'raw' }): void;
  /** knex's own `?` to `$n` conversion (it leaves an escaped `\\?` as an operator). */
  positionBindings(sql: string): string;
}

export async function runPrepared<Row>(db: Knex, statement: PreparedStatement, values: readonly unknown[]): Promise<Row[]> {
  // A transaction holds its own connection, which knex does not lend out: there the statement goes unnamed.
  if (db.isTransaction) return (await db.raw<{ rows: Row[] }>(statement.sql, values as Knex.RawBinding[])).rows;
  const client = db.client as KnexClient;
  const connection = await client.acquireConnection();
  try {
    client.emit('query', { sql: statement.sql, bindings: values, method: 'raw' });
    const result = await connection.query<Row & pg.QueryResultRow>({ name: statement.name, text: client.positionBindings(statement.sql), values: values as unknown[] });
    return result.rows;
  } finally {
    await client.releaseConnection(connection);
  }
}

/** A statement as knex writes one: `?` placeholders and their bindings. */
export interface Statement {
  sql: string;
  bindings: readonly unknown[];
}

/**
 * Sends statements down a transaction's connection back to back, and its COMMIT behind them when asked: the pool's
 * connections are pipelined (see database.ts), so they go out now, in this order, and Postgres runs them one after
 * another without waiting for this process in between. The locks the transaction holds are therefore released as
 * soon as Postgres has run them all, not when this process next gets back to it (under load, milliseconds).
 * Resolves with each statement's rows once all have run. When one fails, the ones behind it fail too (the
 * transaction is aborted), Postgres answers a COMMIT behind them by rolling back, and this rejects with the first
 * failure; without the COMMIT, the caller's transaction rolls back as usual when that rejection reaches it.
 */
export async function pipelined<Row = Record<string, unknown>>(
  trx: Knex.Transaction, statements: readonly Statement[], options: { thenCommit?: boolean } = {},
): Promise<Row[][]> {
  const client = trx.client as KnexClient; // within a transaction, this lends the transaction's own connection
  const connection = await client.acquireConnection();
  // Nothing is awaited between these calls: the statements are handed to the connection in order before the COMMIT.
  const sent = statements.map(({ sql, bindings }) => {
    client.emit('query', { sql, bindings, method: 'raw' });
    return connection.query<Row & pg.QueryResultRow>({ text: client.positionBindings(sql), values: bindings as unknown[] })
      .then((result) => ({ rows: result.rows }), (error: unknown) => ({ error }));
  });
  const committed = options.thenCommit ? trx.commit() : undefined; // a failed COMMIT rejects the transaction itself
  const outcomes = await Promise.all(sent);
  await committed;
  const failed = outcomes.find((outcome) => 'error' in outcome);
  if (failed) throw failed.error;
  return outcomes.map((outcome) => (outcome as { rows: Row[] }).rows);
}
