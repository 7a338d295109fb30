// What a piece of code sent to Postgres, and in what order pg wrote each statement and got its answer: round trips
// made visible, for the tests that pin a hot path's batching.
import type { Knex } from 'knex';
import pg from 'pg';
import { vi } from 'vitest';

/**
 * The statements `run` sent and the order pg wrote them to a connection ("send") and handed each its ReadyForQuery
 * once Postgres had answered it ("answered").
 */
export async function onTheWire(db: Knex, run: () => Promise<unknown>): Promise<{ statements: string[]; wire: string[] }> {
  const statements: string[] = [];
  const listener = (query: { sql: string }) => statements.push(query.sql);
  db.on('query', listener);
  const Query = pg.Query.prototype as unknown as { submit: () => unknown; handleReadyForQuery: () => unknown };
  const label = (query: unknown) => {
    const text = (query as { text: string }).text;
    return /^\s*(BEGIN|COMMIT|INSERT INTO idempotency_keys|select "r"|WITH w0|WITH appended|SELECT raise_unless)/.exec(text)?.[1] ?? text.slice(0, 40);
  };
  const sent = vi.spyOn(Query, 'submit');
  const answered = vi.spyOn(Query, 'handleReadyForQuery');
  const wire: { order: number; event: string }[] = [];
  try {
    await run();
    for (const [what, spy] of [['send', sent], ['answered', answered]] as const) {
      spy.mock.contexts.forEach((query, i) => wire.push({ order: spy.mock.invocationCallOrder[i]!, event: `${what} ${label(query)}` }));
    }
  } finally {
    db.off('query', listener);
    sent.mockRestore();
    answered.mockRestore();
  }
  return { statements, wire: wire.sort((x, y) => x.order - y.order).map(({ event }) => event) };
}

