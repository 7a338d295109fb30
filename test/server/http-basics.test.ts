import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../server/errors.js';
import { errorHandler, notFoundHandler } from '../../server/http/error-handler.js';
import { buildTestApp } from '../support/app.js';
import { useTestDatabase } from '../support/db.js';
import { createTestLogger } from '../support/logger.js';
import { useProxiedDatabase } from '../support/tcp-proxy.js';

const database = useTestDatabase();

describe('health and readiness', () => {
  const proxied = useProxiedDatabase(() => database().url, { poolMax: 2 });

  it('/healthz answers while the process is alive', async () => {
    const app = buildTestApp(proxied.db()).app;
    await request(app).get('/healthz').expect(200, { status: 'ok' });
  });

  it('/readyz is 503 with a reason while the database is unreachable, and 200 once it is back', async () => {
    const app = buildTestApp(proxied.db()).app;
    await request(app).get('/readyz').expect(200);

    await proxied.proxy().cut();
    const down = await request(app).get('/readyz').expect(503);
    expect(down.body).toMatchObject({ status: 'unavailable', checks: { database: expect.stringMatching(/database/) } });
    expect(down.headers['retry-after']).toBe('5');

    await proxied.proxy().restore();
    await expect.poll(async () => (await request(app).get('/readyz')).status, { timeout: 10_000 }).toBe(200);
  });
});

describe('errors', () => {
  const build = () => buildTestApp(database().db).app;

  it('a malformed JSON body gets 400 with a JSON error', async () => {
    const response = await request(build()).post('/api/v1/anything').set('content-type', 'application/json').send('{"a":').expect(400);
    expect(response.body.error).toMatchObject({ code: 'bad_request', message: 'the request body is not valid JSON' });
  });

  it('an unknown route gets 404 as JSON with the request id', async () => {
    const response = await request(build()).get('/nowhere').set('x-request-id', 'req-123').expect(404);
    expect(response.body.error).toEqual({ code: 'not_found', message: 'no route for GET /nowhere', requestId: 'req-123' });
    expect(response.headers['x-request-id']).toBe('req-123');
  });

  it('a JSON body in a charset other than UTF-8 gets 415 saying to send UTF-8, on card requests and webhooks alike', async () => {
    const app = build();
    for (const [path, charset] of [['/api/v1/inbox', 'utf-16'], ['/webhooks/hubspot', 'UTF-16LE'], ['/api/v1/inbox', 'utf-32'], ['/api/v1/inbox', '"latin1"']] as const) {
      const body = Buffer.from('[{"eventId":1}]', charset.toLowerCase().includes('16') ? 'utf16le' : 'latin1');
      const response = await request(app).post(path).set('content-type', `application/json; charset=${charset}`).send(body);
      expect(response.status, `${path} ${charset}: ${response.text}`).toBe(415);
      expect(response.body.error).toMatchObject({ code: 'unsupported_media_type', message: 'send the body as UTF-8 JSON (charset=utf-8)' });
    }
    await request(app).post('/api/v1/inbox').set('content-type', 'application/json; charset=UTF-8').send('{}').expect(401); // read, then unsigned
  });

  it('a body over the limit gets 413', async () => {
    const { app } = buildTestApp(database().db, { bodyLimit: '1kb' });
    await request(app).post('/x').set('content-type', 'application/json').send(JSON.stringify({ big: 'x'.repeat(5000) })).expect(413);
  });

  it('an unexpected error is a 500 that leaks nothing, logged with the request id', async () => {
    const { logger, lines } = createTestLogger();
    const app = express();
    app.use((req, _res, next) => { Object.assign(req, { id: 'r-1', log: logger }); next(); });
    app.get('/boom', () => { throw new Error('secret internals at /srv/app.ts:42'); });
    app.get('/expected', () => { throw new AppError('forbidden', 'not your request'); });
    app.use(notFoundHandler, errorHandler);

    const response = await request(app).get('/boom').expect(500);
    expect(response.body).toEqual({ error: { code: 'internal', message: 'internal error', requestId: 'r-1' } });
    expect(JSON.stringify(response.body)).not.toContain('secret internals');
    expect(lines.some((line) => line.includes('secret internals'))).toBe(true);

    await request(app).get('/expected').expect(403);
  });
});
