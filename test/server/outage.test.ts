// Postgres goes away while the service runs: readiness says 503, requests get 503 with a retry hint (never a 500),
// and when Postgres is back the same app recovers without a restart.
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../../server/db/database.js';
import { buildTestApp, callApi } from '../support/app.js';
import { useTestDatabase } from '../support/db.js';
import { idempotencyKey, seedDeal, seedPortal } from '../support/factories.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

const database = useTestDatabase();

describe('a database outage', () => {
  let proxy: TcpProxy;
  let db: Db;

  beforeAll(async () => {
    const url = new URL(database().url);
    proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port || 5432) });
    url.hostname = '127.0.0.1';
    url.port = String(proxy.port);
    db = createDb(url.toString(), { poolMax: 4 });
  });
  afterAll(async () => {
    await db.destroy();
    await proxy.close();
  });

  it('answers 503 with Retry-After while Postgres is unreachable and recovers when it returns', async () => {
    const portal = await seedPortal(database().db);
    const dealId = await seedDeal(portal, { discount_percent: '25' });
    const { app, clock } = buildTestApp(db);
    await callApi(app, clock, portal.as('noah'), 'GET', `/api/v1/deals/${dealId}/card`).expect(200);

    await proxy.cut();
    await request(app).get('/readyz').expect(503);
    for (const attempt of [
      () => callApi(app, clock, portal.as('noah'), 'GET', `/api/v1/deals/${dealId}/card`),
      () => callApi(app, clock, portal.as('noah'), 'POST', `/api/v1/deals/${dealId}/requests`, { justification: 'x', idempotencyKey: idempotencyKey() }),
      () => callApi(app, clock, portal.as('ben'), 'GET', '/api/v1/inbox'),
    ]) {
      const response = await attempt();
      expect(response.status).toBe(503);
      expect(response.headers['retry-after']).toBeDefined();
      expect(response.body.error).toMatchObject({ code: 'unavailable', message: expect.stringMatching(/retry/) });
      expect(JSON.stringify(response.body)).not.toMatch(/ECONNREFUSED|at .*\.ts|postgres:/);
    }

    await proxy.restore();
    await expect.poll(async () => (await request(app).get('/readyz')).status, { timeout: 10_000 }).toBe(200);
    const opened = await callApi(app, clock, portal.as('noah'), 'POST', `/api/v1/deals/${dealId}/requests`, { justification: 'after the outage', idempotencyKey: idempotencyKey() });
    expect(opened.status).toBe(201);
  });
});
