// The signature middleware over HTTP, with requests signed by @hubspot/api-client's Signature helper (the
// reference) as HubSpot's proxy and the local dev proxy would sign them.
import { Signature } from '@hubspot/api-client';
import express, { type ErrorRequestHandler } from 'express';
import request from 'supertest';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { AppError } from '../../server/errors.js';
import { signRequest } from '../../server/http/sign-request.js';
import { createSignatureMiddleware, getIdentity, type SignatureMiddlewareOptions } from '../../server/http/signature-middleware.js';

const secret = 'test-client-secret';
const publicBaseUrl = 'https://approvals.example.com';
const devBaseUrl = 'http://localhost:3000';
const nowMs = 1_760_000_000_000;
const identityQuery = 'portalId=123&userId=7&userEmail=rep@acme.example';
const path = `/api/v1/deals/42/requests?${identityQuery}`;
const body = JSON.stringify({ justification: 'strategic logo', portalId: '999' });

const handler = vi.fn<(identity: unknown) => void>();
const onFailure = vi.fn<(reason: string) => void>();

function buildApp(options: Partial<SignatureMiddlewareOptions> = {}) {
  const app = express();
  app.use(express.json({ verify: (req, _res, buf) => { req.rawBody = Buffer.from(buf); } }));
  app.get('/unguarded', (_req, res) => { res.json(getIdentity(res)); });
  app.use('/api/v1', createSignatureMiddleware({ secret, baseUrl: publicBaseUrl, now: () => nowMs, onFailure: (reason) => onFailure(reason), ...options }));
  app.all('/api/v1/*rest', (_req, res) => {
    const identity = getIdentity(res);
    handler(identity);
    res.json(identity);
  });
  const errorHandler: ErrorRequestHandler = (error: unknown, _req, res, _next) => {
    if (error instanceof AppError) res.status(error.status).json({ error: { code: error.code, message: error.message } });
    else res.status(500).json({ error: { code: 'internal', message: 'internal error' } });
  };
  app.use(errorHandler);
  return app;
}

interface Signing { method: string; signedUrl: string; body?: string; timestampMs?: number; clientSecret?: string }

/** The v3 headers for a request, computed by the reference implementation. */
function referenceHeaders({ method, signedUrl, body: requestBody = '', timestampMs = nowMs, clientSecret = secret }: Signing) {
  return {
    'X-HubSpot-Signature-v3': Signature.getSignature(method, 'v3', { signature: '', clientSecret, url: signedUrl, requestBody, timestamp: timestampMs }),
    'X-HubSpot-Request-Timestamp': String(timestampMs),
  };
}

function send(app: express.Express, method: 'get' | 'post' | 'put', sentPath: string, headers: Record<string, string>, sentBody?: string) {
  const pending = request(app)[method](sentPath).set(headers);
  return sentBody === undefined ? pending : pending.set('Content-Type', 'application/json').send(sentBody);
}

beforeEach(() => {
  handler.mockClear();
  onFailure.mockClear();
});

describe('a request signed as HubSpot signs it', () => {
  it('reaches the handler with the identity from the signed query string, not the body', async () => {
    const headers = referenceHeaders({ method: 'POST', signedUrl: `${publicBaseUrl}${path}`, body });
    const response = await send(buildApp(), 'post', path, headers, body);

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ portalId: '123', userId: '7', userEmail: 'rep@acme.example' });
    expect(handler).toHaveBeenCalledOnce();
    expect(onFailure).not.toHaveBeenCalled();
  });

  it('verifies a bodiless GET over the empty body', async () => {
    const headers = referenceHeaders({ method: 'GET', signedUrl: `${publicBaseUrl}${path}` });
    const response = await send(buildApp(), 'get', path, headers);
    expect(response.status).toBe(200);
  });

  it('accepts the copies HubSpot appends when they agree with the card\'s own', async () => {
    const doubled = `${path}&portalId=123&userId=7&userEmail=Rep%40Acme.example&appId=555`;
    const headers = referenceHeaders({ method: 'GET', signedUrl: `${publicBaseUrl}${doubled.replace('%40', '@')}` });
    const response = await send(buildApp(), 'get', doubled, headers);

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ portalId: '123', userId: '7', userEmail: 'rep@acme.example' });
  });

  it('ignores a trailing slash on the configured public base URL', async () => {
    const headers = referenceHeaders({ method: 'GET', signedUrl: `${publicBaseUrl}${path}` });
    const response = await send(buildApp({ baseUrl: `${publicBaseUrl}/` }), 'get', path, headers);
    expect(response.status).toBe(200);
  });
});

describe('a request signed by the local dev proxy', () => {
  const devPath = '/api/v1/deals/42?portalId=123&userId=7&userEmail=rep%40acme.example';

  it('is accepted over the mapped localhost URL as sent, when that is the base URL (no PUBLIC_BASE_URL)', async () => {
    const headers = referenceHeaders({ method: 'GET', signedUrl: `${devBaseUrl}${devPath}` });
    const response = await send(buildApp({ baseUrl: devBaseUrl }), 'get', devPath, headers);

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ userEmail: 'rep@acme.example' });
  });

  it('is refused when a public base URL is configured, even sent with the localhost Host', async () => {
    const headers = referenceHeaders({ method: 'GET', signedUrl: `${devBaseUrl}${devPath}` });
    const response = await send(buildApp(), 'get', devPath, { ...headers, Host: 'localhost:3000' });
    expect(response.status).toBe(401);
  });
});

describe('a request signed for another backend of the same app (same secret)', () => {
  const signedFor = (base: string) => referenceHeaders({ method: 'POST', signedUrl: `${base}${path}`, body });

  it.each([
    ['its Host', 'http://evil.example', { Host: 'evil.example' }],
    ['its Host and X-Forwarded-Proto', 'https://evil.example', { Host: 'evil.example', 'X-Forwarded-Proto': 'https' }],
    ['X-Forwarded-Host and X-Forwarded-Proto', 'https://evil.example', { 'X-Forwarded-Host': 'evil.example', 'X-Forwarded-Proto': 'https' }],
  ])('is refused when replayed here with %s', async (_headers, base, extra) => {
    const app = buildApp();
    app.set('trust proxy', true); // as createApp sets it: req.protocol and req.host then follow X-Forwarded-*
    const response = await send(app, 'post', path, { ...signedFor(base), ...extra }, body);
    expect(response.status).toBe(401);
    expect(handler).not.toHaveBeenCalled();
    expect(onFailure).toHaveBeenCalledExactlyOnceWith('mismatch');
  });

  it('while one signed for this service passes whatever Host it is sent with', async () => {
    const response = await send(buildApp(), 'post', path, { ...signedFor(publicBaseUrl), Host: 'evil.example', 'X-Forwarded-Proto': 'http' }, body);
    expect(response.status).toBe(200);
  });
});

describe('an encoded @ in userEmail', () => {
  const wirePath = '/api/v1/deals/42?portalId=123&userId=7&userEmail=Rep%40Acme.example';

  it('verifies when HubSpot signed the decoded form, and the email is lower-cased', async () => {
    const headers = referenceHeaders({ method: 'GET', signedUrl: `${publicBaseUrl}${wirePath.replace('%40', '@')}` });
    const response = await send(buildApp(), 'get', wirePath, headers);

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ userEmail: 'rep@acme.example' });
  });

  it('verifies when the encoded form was signed as it is', async () => {
    const headers = referenceHeaders({ method: 'GET', signedUrl: `${publicBaseUrl}${wirePath}` });
    const response = await send(buildApp(), 'get', wirePath, headers);
    expect(response.status).toBe(200);
  });
});

describe('a request that fails verification', () => {
  const good: Signing = { method: 'POST', signedUrl: `${publicBaseUrl}${path}`, body };

  function expectRejected(response: request.Response, reason: string, message: string) {
    expect(response.status).toBe(401);
    expect(response.body).toEqual({ error: { code: 'unauthorized', message } });
    expect(handler).not.toHaveBeenCalled();
    expect(onFailure).toHaveBeenCalledExactlyOnceWith(reason);
  }

  it.each([
    ['method', () => send(buildApp(), 'put', path, referenceHeaders(good), body)],
    ['path', () => send(buildApp(), 'post', path.replace('/42/', '/43/'), referenceHeaders(good), body)],
    ['query', () => send(buildApp(), 'post', path.replace('userId=7', 'userId=8'), referenceHeaders(good), body)],
    ['body', () => send(buildApp(), 'post', path, referenceHeaders(good), body.replace('strategic', 'tactical'))],
    ['timestamp', () => send(buildApp(), 'post', path, { ...referenceHeaders(good), 'X-HubSpot-Request-Timestamp': String(nowMs - 1) }, body)],
  ])('is refused when its %s was changed after signing, and no handler runs', async (_part, act) => {
    expectRejected(await act(), 'mismatch', 'invalid signature');
  });

  it('is refused when signed with another secret', async () => {
    const response = await send(buildApp(), 'post', path, referenceHeaders({ ...good, clientSecret: 'another-secret' }), body);
    expectRejected(response, 'mismatch', 'invalid signature');
  });

  it('is refused when the public URL of another host was signed', async () => {
    const response = await send(buildApp(), 'post', path, referenceHeaders({ ...good, signedUrl: `https://evil.example.com${path}` }), body);
    expectRejected(response, 'mismatch', 'invalid signature');
  });

  it('is refused when older than five minutes', async () => {
    const response = await send(buildApp(), 'post', path, referenceHeaders({ ...good, timestampMs: nowMs - 300_001 }), body);
    expectRejected(response, 'expired', 'request timestamp is too old');
  });

  it('is refused when more than five minutes in the future', async () => {
    const response = await send(buildApp(), 'post', path, referenceHeaders({ ...good, timestampMs: nowMs + 300_001 }), body);
    expectRejected(response, 'from_future', 'request timestamp is in the future');
  });

  it('is refused without a v3 signature header', async () => {
    const headers = { 'X-HubSpot-Request-Timestamp': String(nowMs) };
    expectRejected(await send(buildApp(), 'post', path, headers, body), 'missing_signature', 'missing X-HubSpot-Signature-v3');
  });

  it('is refused without a timestamp header', async () => {
    const { 'X-HubSpot-Signature-v3': signature } = referenceHeaders(good);
    const response = await send(buildApp(), 'post', path, { 'X-HubSpot-Signature-v3': signature }, body);
    expectRejected(response, 'missing_timestamp', 'missing X-HubSpot-Request-Timestamp');
  });

  it.each(['v1', 'v2'])('is refused when it carries only a valid %s signature', async (version) => {
    const signature = Signature.getSignature('POST', version, { signature: '', clientSecret: secret, url: `${publicBaseUrl}${path}`, requestBody: body });
    const headers = { 'X-HubSpot-Signature': signature, 'X-HubSpot-Signature-Version': version };
    expectRejected(await send(buildApp(), 'post', path, headers, body), 'missing_signature', 'missing X-HubSpot-Signature-v3');
  });

  it('answers without the secret or any signature in the body', async () => {
    const headers = referenceHeaders({ ...good, clientSecret: 'another-secret' });
    const response = await send(buildApp(), 'post', path, headers, body);
    const expected = referenceHeaders(good)['X-HubSpot-Signature-v3'];

    expect(response.status).toBe(401);
    expect(response.text).not.toContain(secret);
    expect(response.text).not.toContain(expected);
    expect(response.text).not.toContain(headers['X-HubSpot-Signature-v3']);
  });
});

describe('identity parameters', () => {
  async function sendSignedGet(query: string) {
    const sentPath = `/api/v1/deals/42?${query}`;
    const { headers } = signRequest({ secret, method: 'GET', url: `${publicBaseUrl}${sentPath}`, timestampMs: nowMs });
    return send(buildApp(), 'get', sentPath, headers);
  }

  it.each([
    ['portalId', 'portalId=123&userId=7&userEmail=rep@acme.example&portalId=124'],
    ['userId', 'portalId=123&userId=7&userEmail=rep@acme.example&userId=8'],
    ['userEmail', 'portalId=123&userId=7&userEmail=rep@acme.example&userEmail=boss%40acme.example'],
  ])('are refused when two signed copies of %s disagree', async (_name, query) => {
    const response = await sendSignedGet(query);
    expect(response.status).toBe(401);
    expect(response.body.error.message).toBe('conflicting identity parameters');
    expect(handler).not.toHaveBeenCalled();
    expect(onFailure).toHaveBeenCalledWith('conflicting_identity');
  });

  it.each(['userId=7&userEmail=rep@acme.example', 'portalId=123&userEmail=rep@acme.example', 'portalId=123&userId=7'])(
    'are refused when one is missing (%s)', async (query) => {
      const response = await sendSignedGet(query);
      expect(response.status).toBe(401);
      expect(response.body.error.message).toMatch(/^missing (portalId|userId|userEmail)$/);
      expect(handler).not.toHaveBeenCalled();
    });

  it('are never taken from the body', async () => {
    const sentPath = '/api/v1/deals/42';
    const identityBody = JSON.stringify({ portalId: '123', userId: '7', userEmail: 'rep@acme.example' });
    const { headers } = signRequest({ secret, method: 'POST', url: `${publicBaseUrl}${sentPath}`, body: JSON.parse(identityBody), timestampMs: nowMs });
    const response = await send(buildApp(), 'post', sentPath, headers, identityBody);

    expect(response.status).toBe(401);
    expect(handler).not.toHaveBeenCalled();
  });

  it.each([
    ['portalId=12a&userId=7&userEmail=rep@acme.example', 'invalid portalId'],
    ['portalId=123&userId=-7&userEmail=rep@acme.example', 'invalid userId'],
    ['portalId=123&userId=7&userEmail=not-an-email', 'invalid userEmail'],
  ])('are refused when malformed (%s)', async (query, message) => {
    const response = await sendSignedGet(query);
    expect(response.status).toBe(401);
    expect(response.body.error.message).toBe(message);
    expect(onFailure).toHaveBeenCalledWith('invalid_identity');
  });
});

describe('getIdentity', () => {
  it('fails loudly on a route that is not behind the middleware', async () => {
    const response = await request(buildApp()).get('/unguarded');
    expect(response.status).toBe(500);
  });
});

describe('createSignatureMiddleware', () => {
  it('refuses to be built without a secret', () => {
    expect(() => createSignatureMiddleware({ secret: '', baseUrl: publicBaseUrl })).toThrow(/secret is required/);
  });
});
