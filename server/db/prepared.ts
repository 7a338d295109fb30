// Named prepared statements for the hottest reads. knex sends every statement unnamed, so Postgres parses and
// plans it each time; for the card view's statements planning costs several times the execution (bench/http's
// setup measured the latest-request statement at 733 µs of Postgres CPU unnamed, 147 µs prepared). pg prepares a
// named statement once per connection and then only binds and executes it. The statement runs on a connection of
// knex's own pool, and knex's 'query' event still fires, so query listeners see it as they see any other.
// Also here, on the same footing (pg's connection under knex): a transaction's last statement sent with its COMMIT.
import type { Knex } from 'knex';
import type pg from 'pg';

export interface PreparedStatement {
  name: string;
  /** The SQL with `?` placeholders, as knex.raw takes it. */
  sql: string;
  /** The same SQL with `$n` placeholders, as Postgres takes it. */
  text: string;
}

export function prepared(name: string, sql: string): PreparedStatement {
  return { name, sql, text: numberedPlaceholders(sql) };
}

/** knex's `?` placeholders as Postgres's `$1`, `$2`, … (for statements with no other question marks). */
function numberedPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

interface KnexClient {
  acquireConnection(): Promise<pg.Client>;
  releaseConnection(connection: pg.Client): Promise<void>;
  emit(event: 'query', query: { sql: string; bindings: readonly unknown[]; method: 'raw' }): void;
}

export async function runPrepared<Row>(db: Knex, statement: PreparedStatement, values: readonly unknown[]): Promise<Row[]> {
  // A transaction holds its own connection, which knex does not lend out: there the statement goes unnamed.
  if (db.isTransaction) return (await db.raw<{ rows: Row[] }>(statement.sql, values as Knex.RawBinding[])).rows;
  const client = db.client as KnexClient;
  const connection = await client.acquireConnection();
  try {
    client.emit('query', { sql: statement.sql, bindings: values, method: 'raw' });
    const result = await connection.query<Row & pg.QueryResultRow>({ name: statement.name, text: statement.text, values: values as unknown[] });
    return result.rows;
  } finally {
    await client.releaseConnection(connection);
  }
}

/**
 * Sends a transaction's last statement and its COMMIT together: both go to the transaction's connection now, in this
 * order, with nothing awaited between them, so the locks the transaction holds are released as soon as Postgres has
 * run both, not when this process next gets back to it. Resolves with the statement's rows once both have run; when
 * the statement fails, Postgres answers the COMMIT by rolling back, and this rejects with the statement's error.
 */
export async function lastStatementThenCommit<Row>(trx: Knex.Transaction, sql: string, bindings: readonly unknown[]): Promise<Row[]> {
  const client = trx.client as KnexClient; // within a transaction, this lends the transaction's own connection
  const connection = await client.acquireConnection();
  client.emit('query', { sql, bindings, method: 'raw' });
  const statement = connection.query<Row & pg.QueryResultRow>({ text: numberedPlaceholders(sql), values: bindings as unknown[] });
  const committed = trx.commit(); // a failed COMMIT rejects the transaction itself
  const outcome = await statement.then((result) => ({ rows: result.rows }), (error: unknown) => ({ error }));
  await committed;
  if ('error' in outcome) throw outcome.error;
  return outcome.rows;
}
