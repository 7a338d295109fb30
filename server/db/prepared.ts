// Named prepared statements for the hottest reads. knex sends every statement unnamed, so Postgres parses and
// plans it each time, and for the card view's statements planning costs more than the execution. pg prepares a
// named statement once per connection and then only binds and executes it. The statement runs on a connection of
// knex's own pool, and knex's 'query' event still fires, so query listeners see it as they see any other.
import type { Knex } from 'knex';
import type pg from 'pg';

export interface PreparedStatement {
  name: string;
  /** The SQL with `?` placeholders, as knex.raw takes it. */
  sql: string;
  /** The same with Postgres's `$n` placeholders, converted by knex on first use and kept. */
  text?: string;
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
    statement.text ??= client.positionBindings(statement.sql);
    const result = await connection.query<Row & pg.QueryResultRow>({ name: statement.name, text: statement.text, values: values as unknown[] });
    return result.rows;
  } finally {
    await client.releaseConnection(connection);
  }
}
