// Postgres goes away while the service runs: readiness says 503, requests get 503 with a retry hint (never a 500),
// and when Postgres is back the same app recovers without a restart.
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { buildTestApp, callApi } from '../support/app.js';
import { useTestDatabase } from '../support/db.js';
import { idempotencyKey, seedDeal, seedPortal } from '../support/factories.js';
import { useProxiedDatabase } from '../support/tcp-proxy.js';

const database = useTestDatabase();

describe('a database outage', () => {
  const proxied = useProxiedDatabase(() => database().url, { poolMax: 4 });

  it('answers 503 with Retry-After while Postgres is unreachable and recovers when it returns', async () => {
    const portal = await seedPortal(database().db);
    const dealId = await seedDeal(portal, { discount_percent: '25' });
    const { app, clock } = buildTestApp(proxied.db());
    await callApi(app, clock, portal.as('noah'), 'GET', `/api/v1/deals/${dealId}/card`).expect(200);

    await proxied.proxy().cut();
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

    await proxied.proxy().restore();
    await expect.poll(async () => (await request(app).get('/readyz')).status, { timeout: 10_000 }).toBe(200);
    const opened = await callApi(app, clock, portal.as('noah'), 'POST', `/api/v1/deals/${dealId}/requests`, { justification: 'after the outage', idempotencyKey: idempotencyKey() });
    expect(opened.status).toBe(201);
  });
});
