// Named prepared statements for the hottest reads. knex sends every statement unnamed, so Postgres parses and
// plans it each time; for the card view's statements planning costs several times the execution (bench/http's
// setup measured the latest-request statement at 733 µs of Postgres CPU unnamed, 147 µs prepared). pg prepares a
// named statement once per connection and then only binds and executes it. The statement runs on a connection of
// knex's own pool, and knex's 'query' event still fires, so query listeners see it as they see any other.
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
  let n = 0;
  return { name, sql, text: sql.replace(/\?/g, () => `$${++n}`) };
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
