// Postgres goes away while the service runs: readiness says 503, requests get 503 with a short reason and a retry
// hint (never a 500, never a stack), and when Postgres is back the same app recovers without a restart. The same
// holds for a statement cut off in flight and for one that runs past the statement timeout.
import pg from 'pg';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../../server/db/database.js';
import { buildTestApp, callApi } from '../support/app.js';
import { useTestDatabase } from '../support/db.js';
import { idempotencyKey, seedDeal, seedPortal } from '../support/factories.js';
import { useProxiedDatabase } from '../support/tcp-proxy.js';

const database = useTestDatabase();

const expectUnavailable = (response: request.Response) => {
  expect(response.status, response.text).toBe(503);
  expect(response.headers['retry-after']).toBeDefined();
  expect(response.body.error).toMatchObject({ code: 'unavailable', message: expect.stringMatching(/^the database .*; retry shortly$/) });
  expect(JSON.stringify(response.body)).not.toMatch(/ECONNREFUSED|ENOENT|at .*\.ts|postgres:|\/tmp/);
};

const stackIn = (lines: string[]) => lines.find((line) => /\\n\s+at /.test(line));

describe.each([
  { transport: 'TCP', via: 'tcp' as const },
  { transport: 'its Unix socket (as the service reaches its embedded Postgres)', via: 'unix-socket' as const },
])('a database outage, Postgres reached through $transport', ({ via }) => {
  const proxied = useProxiedDatabase(() => database().url, { poolMax: 4, via });

  it('answers 503 with a short reason and Retry-After while Postgres is unreachable, and recovers when it returns', async () => {
    const portal = await seedPortal(database().db);
    const dealId = await seedDeal(portal, { discount_percent: '25' });
    const { app, clock, logs } = buildTestApp(proxied.db());
    await callApi(app, clock, portal.as('noah'), 'GET', `/api/v1/deals/${dealId}/card`).expect(200);

    await proxied.proxy().cut();
    const ready = await request(app).get('/readyz').expect(503);
    expect(ready.body.checks.database).toMatch(/^database /);
    for (const attempt of [
      () => callApi(app, clock, portal.as('noah'), 'GET', `/api/v1/deals/${dealId}/card`),
      () => callApi(app, clock, portal.as('noah'), 'POST', `/api/v1/deals/${dealId}/requests`, { justification: 'x', idempotencyKey: idempotencyKey() }),
      () => callApi(app, clock, portal.as('ben'), 'GET', '/api/v1/inbox'),
    ]) expectUnavailable(await attempt());
    expect(stackIn(logs), 'an outage is logged by its reason, without a stack').toBeUndefined();

    await proxied.proxy().restore();
    await expect.poll(async () => (await request(app).get('/readyz')).status, { timeout: 10_000 }).toBe(200);
    const opened = await callApi(app, clock, portal.as('noah'), 'POST', `/api/v1/deals/${dealId}/requests`, { justification: 'after the outage', idempotencyKey: idempotencyKey() });
    expect(opened.status).toBe(201);
  });
});

/** Holds an exclusive lock on the requests table from a connection of its own, so statements that read it wait. */
function useTableLock() {
  let admin: pg.Client | undefined;
  beforeAll(async () => {
    admin = new pg.Client({ connectionString: database().url });
    await admin.connect();
  });
  afterAll(async () => { await admin?.end(); });
  return {
    hold: async () => { await admin!.query('BEGIN'); await admin!.query('LOCK TABLE approval_requests IN ACCESS EXCLUSIVE MODE'); },
    release: async () => { await admin!.query('ROLLBACK'); },
    /** The backend of a statement waiting for the lock. */
    waiter: async () => {
      await admin!.query('SELECT pg_stat_clear_snapshot()'); // inside a transaction, pg_stat_activity keeps its first snapshot
      const { rows } = await admin!.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()");
      return rows[0]?.pid;
    },
    terminate: async (pid: number) => { await admin!.query('SELECT pg_terminate_backend($1)', [pid]); },
  };
}

describe('a statement cut off while it waits on Postgres', () => {
  const proxied = useProxiedDatabase(() => database().url, { poolMax: 4 });
  const lock = useTableLock();

  it.each([
    { how: 'the connection drops (pg: "Connection terminated unexpectedly")', end: () => proxied.proxy().cut(), after: () => proxied.proxy().restore() },
    { how: 'Postgres ends the session (SQLSTATE 57P01, admin shutdown)', end: async () => lock.terminate((await lock.waiter())!), after: () => Promise.resolve() },
  ])('answers 503 when $how, and the next request is served', async ({ end, after }) => {
    const portal = await seedPortal(database().db);
    const dealId = await seedDeal(portal, { discount_percent: '25' });
    const { app, clock, logs } = buildTestApp(proxied.db());
    await lock.hold();
    try {
      const pending = callApi(app, clock, portal.as('noah'), 'GET', `/api/v1/deals/${dealId}/card`).then((response) => response);
      await expect.poll(() => lock.waiter(), { timeout: 10_000 }).toBeDefined();
      await end();
      expectUnavailable(await pending);
    } finally {
      await lock.release();
      await after();
    }
    expect(stackIn(logs)).toBeUndefined();
    await expect.poll(async () => (await callApi(app, clock, portal.as('noah'), 'GET', `/api/v1/deals/${dealId}/card`)).status, { timeout: 10_000 }).toBe(200);
  });
});

/**
 * Whether this Postgres can cancel a statement by its timer. Under libfaketime (the suite's run 400 days ahead)
 * Postgres's timeout signal never fires, so a statement runs to its end whatever the timeout says.
 */
async function statementTimeoutFires(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("SET statement_timeout = '50ms'");
    await client.query('SELECT pg_sleep(0.5)');
    return false;
  } catch {
    return true;
  } finally {
    await client.end();
  }
}

describe('the statement timeout', () => {
  let db: Db;
  let timerFires = true;
  beforeAll(async () => {
    db = createDb(database().url, { poolMax: 2, statementTimeoutMs: 300 });
    timerFires = await statementTimeoutFires(database().url);
  });
  afterAll(async () => { await db.destroy(); });
  const lock = useTableLock();

  it('cancels a statement that runs past it, and the request answers 503 (SQLSTATE 57014), not 500', async (context) => {
    if (!timerFires) context.skip('this Postgres runs under libfaketime, whose clock never fires its statement timer');
    const portal = await seedPortal(database().db);
    const dealId = await seedDeal(portal, { discount_percent: '25' });
    const { app, clock } = buildTestApp(db);
    await lock.hold();
    try {
      const response = await callApi(app, clock, portal.as('noah'), 'POST', `/api/v1/deals/${dealId}/requests`, { justification: 'x', idempotencyKey: idempotencyKey() });
      expectUnavailable(response);
      expect(response.body.error.message).toMatch(/too long/);
    } finally {
      await lock.release();
    }
    await callApi(app, clock, portal.as('noah'), 'GET', `/api/v1/deals/${dealId}/card`).expect(200);
  });

  it('is set on every connection of the pool', async () => {
    const { rows } = await db.raw<{ rows: { statement_timeout: string }[] }>('SHOW statement_timeout');
    expect(rows[0]?.statement_timeout).toBe('300ms');
  });
});
