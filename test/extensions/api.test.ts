// The card's fetch wrapper: the requests it sends, and how it turns every kind of answer (ours, wrapped by a
// HubSpot proxy, a proxy's own failure, no answer at all) into a typed value or an error the card can word.
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  dealModifiedAtHint, decide, getCardView, getInbox, identityOf, isRetryable, requestApproval, serviceUrlOf, urlFor, withdraw,
  type Identity,
} from '../../extensions/app/cards/api.js';
import { cardViews, errorAnswers, inboxAnswers, REQUEST_ID, requestAnswers } from './fixtures.js';
import { answer, connectionLost, fakeService, ok, viaLocalProxy, type Reply } from './harness.js';

afterEach(() => {
  vi.restoreAllMocks();
});

const SERVICE_URL = 'https://approval-router.example.com';
const identity: Identity & { serviceUrl: string } = { serviceUrl: SERVICE_URL, portalId: '4242', userId: '701', userEmail: 'rita.rep+eu@acme.example' };
const cardPath = '/api/v1/deals/123/card';

describe('the requests the wrapper sends', () => {
  it('puts the viewer\'s identity on every URL, escaped, under the one base URL', () => {
    expect(urlFor('/api/v1/inbox', identity))
      .toBe(`${SERVICE_URL}/api/v1/inbox?portalId=4242&userId=701&userEmail=rita.rep%2Beu%40acme.example`);
  });

  it('sends each endpoint with its method, path, body as an object and a timeout', async () => {
    const service = fakeService({
      [`GET ${cardPath}`]: ok(cardViews.repCanRequest),
      'POST /api/v1/deals/123/requests': { status: 201, body: requestAnswers.created },
      [`POST /api/v1/requests/${REQUEST_ID}/decisions`]: ok(requestAnswers.decided),
      [`POST /api/v1/requests/${REQUEST_ID}/withdraw`]: ok(requestAnswers.withdrawn),
      'GET /api/v1/inbox': ok(inboxAnswers.twoWaiting),
    });

    expect(await getCardView(identity, '123')).toEqual({ ok: true, value: cardViews.repCanRequest });
    expect(await requestApproval(identity, '123', { justification: 'why', idempotencyKey: 'card-k1-abcdef' })).toMatchObject({ ok: true });
    expect(await decide(identity, REQUEST_ID, { verdict: 'reject', comment: 'no', idempotencyKey: 'card-k2-abcdef', expectedVersion: 3 })).toMatchObject({ ok: true });
    expect(await withdraw(identity, REQUEST_ID, { idempotencyKey: 'card-k3-abcdef', expectedVersion: 3 })).toMatchObject({ ok: true });
    expect(await getInbox(identity)).toEqual({ ok: true, value: inboxAnswers.twoWaiting });

    expect(service.sent.map(({ method, path, body, timeout }) => ({ method, path, body, timeout }))).toEqual([
      { method: 'GET', path: cardPath, body: undefined, timeout: 15_000 },
      { method: 'POST', path: '/api/v1/deals/123/requests', body: { justification: 'why', idempotencyKey: 'card-k1-abcdef' }, timeout: 15_000 },
      { method: 'POST', path: `/api/v1/requests/${REQUEST_ID}/decisions`, body: { verdict: 'reject', comment: 'no', idempotencyKey: 'card-k2-abcdef', expectedVersion: 3 }, timeout: 15_000 },
      { method: 'POST', path: `/api/v1/requests/${REQUEST_ID}/withdraw`, body: { idempotencyKey: 'card-k3-abcdef', expectedVersion: 3 }, timeout: 15_000 },
      { method: 'GET', path: '/api/v1/inbox', body: undefined, timeout: 15_000 },
    ]);
    for (const request of service.sent) expect(request.url.searchParams.get('userEmail')).toBe(identity.userEmail);
  });
});

describe('the service URL, from the profile', () => {
  it('comes from the SERVICE_URL profile variable HubSpot hands the card, as an origin', () => {
    const context = { portal: { id: 4242, timezone: 'UTC' }, user: { id: 701, email: 'a@b.c' }, variables: { SERVICE_URL, OTHER: 1 } };
    expect(identityOf(context as unknown as Parameters<typeof identityOf>[0]))
      .toEqual({ serviceUrl: SERVICE_URL, portalId: '4242', userId: '701', userEmail: 'a@b.c' });
    expect(serviceUrlOf({ SERVICE_URL: `${SERVICE_URL}/` })).toBe(SERVICE_URL);
    expect(serviceUrlOf({ SERVICE_URL: 'https://approval.acme.example:8443' })).toBe('https://approval.acme.example:8443');
  });

  it('is unknown when the variable is missing, not a string, not HTTPS, or more than an origin', () => {
    const cases: Parameters<typeof serviceUrlOf>[0][] = [undefined, {}, { SERVICE_URL: 42 }, { SERVICE_URL: '' },
      { SERVICE_URL: 'approval-router.example.com' }, { SERVICE_URL: 'http://approval-router.example.com' }, { SERVICE_URL: `${SERVICE_URL}/api` },
      { SERVICE_URL: `${SERVICE_URL}?x=1` }, { SERVICE_URL: 'https://user:pw@approval-router.example.com' }, { SERVICE_URL: '${SERVICE_URL}' }];
    for (const variables of cases) {
      expect(serviceUrlOf(variables), JSON.stringify(variables)).toBeNull();
    }
  });

  it('refuses to call anything without it, and says what the developer must do', async () => {
    const service = fakeService({ [`GET ${cardPath}`]: ok(cardViews.repCanRequest) });
    const result = await getCardView({ ...identity, serviceUrl: null }, '123');
    expect(service.sent).toEqual([]);
    expect(result).toMatchObject({ ok: false, error: { kind: 'not_configured', status: null, message: expect.stringMatching(/SERVICE_URL profile variable.*hs project upload --profile/) } });
    if (!result.ok) expect(isRetryable(result.error)).toBe(false);
  });
});

describe('the freshness hint on the card view', () => {
  it('adds dealModifiedAt to the card view\'s query when the card knows it, and to nothing else', async () => {
    const service = fakeService({
      [`GET ${cardPath}`]: ok(cardViews.repCanRequest),
      'POST /api/v1/deals/123/requests': { status: 201, body: requestAnswers.created },
      'GET /api/v1/inbox': ok(inboxAnswers.twoWaiting),
    });
    await getCardView(identity, '123', { dealModifiedAt: '1764750000123' });
    await getCardView(identity, '123', { dealModifiedAt: null });
    await getCardView(identity, '123');
    await requestApproval(identity, '123', { justification: 'why', idempotencyKey: 'card-k1-abcdef' });
    await getInbox(identity);
    expect(service.sent.map((request) => request.url.searchParams.get('dealModifiedAt'))).toEqual(['1764750000123', null, null, null, null]);
    expect(service.sent[0]!.url.search).toBe('?portalId=4242&userId=701&userEmail=rita.rep%2Beu%40acme.example&dealModifiedAt=1764750000123');
  });

  it('sends hs_lastmodifieddate as milliseconds since the epoch: HubSpot\'s raw milliseconds as they are, an ISO time converted', () => {
    expect(dealModifiedAtHint('1764750000123')).toBe('1764750000123');
    expect(dealModifiedAtHint(' 1764750000123 ')).toBe('1764750000123');
    expect(dealModifiedAtHint('1000000000000')).toBe('1000000000000');
    expect(dealModifiedAtHint('0001764750000123')).toBe('1764750000123');
    expect(dealModifiedAtHint('2025-12-03T08:20:00.123Z')).toBe(String(Date.UTC(2025, 11, 3, 8, 20, 0, 123)));
    expect(dealModifiedAtHint('2025-12-03T09:20:00.123+01:00')).toBe(String(Date.UTC(2025, 11, 3, 8, 20, 0, 123)));
  });

  it('sends no hint rather than a wrong one', () => {
    for (const raw of [undefined, null, '', 'fake_hs_lastmodifieddate', '2025', '999999999999', '10000000000000',
      'Dec 3, 2025', '-1764750000123', '1764750000123.5', '1970-01-01T00:00:00Z', '2025-13-45T00:00:00Z']) {
      expect(dealModifiedAtHint(raw), String(raw)).toBeNull();
    }
  });
});

describe('the answers the wrapper understands', () => {
  const cases: { name: string; reply: Reply; kind: string; status: number | null; message: string | RegExp; details?: number }[] = [
    { name: 'our 400 as is', reply: answer(400, errorAnswers.justificationMissing), kind: 'validation', status: 400, message: 'invalid body', details: 1 },
    { name: 'our 403 as is', reply: answer(403, errorAnswers.notYourStep), kind: 'forbidden', status: 403, message: 'The Finance step does not wait on you.' },
    { name: 'our 409 as is', reply: answer(409, errorAnswers.staleVersion), kind: 'conflict', status: 409, message: 'The request is at version 4; you saw version 3.' },
    { name: 'our 401', reply: answer(401, errorAnswers.badSignature), kind: 'unauthorized', status: 401, message: 'the request signature does not match' },
    { name: 'our 404', reply: answer(404, errorAnswers.unknownDeal), kind: 'not_found', status: 404, message: 'no deal 123 in portal 4242' },
    { name: 'our 503', reply: answer(503, errorAnswers.databaseDown), kind: 'unavailable', status: 503, message: 'the database is unavailable; retry shortly' },
    { name: 'a 403 the local dev proxy wrapped in a 502', reply: viaLocalProxy(errorAnswers.notYourStep), kind: 'forbidden', status: 403, message: 'The Finance step does not wait on you.' },
    { name: 'a 400 the local dev proxy wrapped, with its field paths', reply: viaLocalProxy(errorAnswers.commentMissing), kind: 'validation', status: 400, message: 'invalid body', details: 1 },
    { name: 'a 409 wrapped as a JSON string', reply: answer(502, { responseBody: JSON.stringify(errorAnswers.staleVersion) }), kind: 'conflict', status: 409, message: 'The request is at version 4; you saw version 3.' },
    { name: 'a wrapper naming the backend status', reply: answer(502, { status: 409, message: 'upstream failed', body: JSON.stringify(errorAnswers.staleVersion) }), kind: 'conflict', status: 409, message: 'The request is at version 4; you saw version 3.' },
    { name: 'an unknown code under a wrapper with a status', reply: answer(502, { statusCode: 422, responseBody: { error: { code: 'odd', message: 'odd thing' } } }), kind: 'validation', status: 422, message: 'odd thing' },
    { name: 'a proxy 502 without our body', reply: answer(502, 'Bad Gateway'), kind: 'unavailable', status: 502, message: /busy or unavailable/ },
    { name: 'a 429 from HubSpot\'s limits', reply: answer(429, { message: 'too many requests' }), kind: 'unavailable', status: 429, message: /busy or unavailable/ },
    { name: 'a bare 500', reply: answer(500, ''), kind: 'server', status: 500, message: /failed on this request/ },
    { name: 'a 200 that is not a card view', reply: ok({ hello: 'world' }), kind: 'bad_response', status: 200, message: /does not understand/ },
    { name: 'no connection', reply: connectionLost(), kind: 'network', status: null, message: /Could not reach the approval service \(Failed to fetch\)/ },
  ];

  it.each(cases)('maps $name', async ({ reply, kind, status, message, details }) => {
    fakeService({ [`GET ${cardPath}`]: reply });
    const result = await getCardView(identity, '123');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.kind).toBe(kind);
    expect(result.error.status).toBe(status);
    expect(result.error.message).toMatch(message);
    expect(result.error.details).toHaveLength(details ?? 0);
  });

  it('keeps the service\'s field paths and request id', async () => {
    fakeService({ [`GET ${cardPath}`]: viaLocalProxy(errorAnswers.justificationMissing) });
    const result = await getCardView(identity, '123');
    expect(result).toEqual({
      ok: false,
      error: {
        kind: 'validation', status: 400, code: 'bad_request', message: 'invalid body', requestId: 'req-400',
        details: [{ path: 'body.justification', message: 'a justification is required' }],
      },
    });
  });

  it('allows a resend with the same key only after answers that may hide a success', () => {
    const error = (kind: 'network' | 'unavailable' | 'server' | 'forbidden' | 'conflict' | 'validation') =>
      ({ kind, status: null, code: kind, message: '', details: [], requestId: null });
    expect(['network', 'unavailable', 'server'].every((kind) => isRetryable(error(kind as 'network')))).toBe(true);
    expect(['forbidden', 'conflict', 'validation'].some((kind) => isRetryable(error(kind as 'forbidden')))).toBe(false);
  });
});
