// Secrets and internals stay inside: a whole story (request, view, decide, reject, withdraw, inbox, every admin
// act) plus the failures around it (forgeries, bad input, 403, 404, 409, 413, a 500 from the database and one from
// a throwing dependency) is driven with the logger at its most verbose; then every log line is scanned for the
// client secret, every signature sent, the database password and anything shaped like a token, and every error
// body for a stack, a file path, SQL or a Postgres message.
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorAnswer } from '../../src/contract/card-api.js';
import { LocalCrm } from '../../server/crm/local-crm.js';
import { connectHubSpot } from '../../server/hubspot/connect.js';
import { TEST_BASE_URL, TEST_SECRET } from '../support/app.js';
import { useTestDatabase } from '../support/db.js';
import { idempotencyKey, SALES_POLICY_SOURCE, seedDeal, seedPortal, type SeededPortal } from '../support/factories.js';
import { closeNetwork, HUBSPOT_API, hubspotConfig } from '../support/hubspot.js';
import { createTestLogger } from '../support/logger.js';
import { signatureHeaders, startHarness, withIdentity, type Harness } from './support/harness.js';
import { assertNoLeaks, databasePassword, errorAnswers, INTERNALS, TOKEN_SHAPES } from './support/leak-scan.js';

const database = useTestDatabase();

let harness: Harness;
let portal: SeededPortal;
/** The portal whose CRM breaks with an error full of internals. */
let brokenPortal: SeededPortal;
/** The install's one-time OAuth state and code: credentials of a kind no log line may carry. */
const oauthSecrets: string[] = [];

beforeAll(async () => {
  closeNetwork();
  const { db } = database();
  portal = await seedPortal(db);
  brokenPortal = await seedPortal(db);
  const crm = new LocalCrm({ db, now: () => harness.clock.now() }); // the harness's clock, once it is built
  const { logger, lines } = createTestLogger('trace');
  harness = await startHarness(db, {
    logger,
    hubspot: connectHubSpot({ db, config: hubspotConfig(), logger, now: () => harness.clock.now() }),
    crmFor: (p) => {
      if (p.id !== brokenPortal.portalId) return crm;
      // Internals a 500 must not show: SQL, a source position, a Postgres message.
      throw Object.assign(new Error('select * from "local_deals" where "id" = $1 failed at /work/main/server/crm/local-crm.ts:42:7: relation "local_deals" does not exist'), { code: '42P01' });
    },
  }, { logs: lines });
});

afterAll(async () => {
  await harness?.close();
  nock.cleanAll();
  nock.enableNetConnect();
});

describe('a whole story and its failures', () => {
  it('runs: every act and every kind of failure is answered', async () => {
    const noah = portal.as('noah');
    const ben = portal.as('ben');
    const bella = portal.as('bella');
    const admin = portal.as('dealdesk');
    const statuses: number[] = [];
    const call = async (...args: Parameters<Harness['call']>) => { const answer = await harness.call(...args); statuses.push(answer.status); return answer; };

    // The story.
    const dealA = await seedDeal(portal, { discount_percent: '25' });
    const dealB = await seedDeal(portal, { discount_percent: '25' });
    const dealC = await seedDeal(portal, { amount: '600000' });
    await call(noah, 'GET', `/api/v1/deals/${dealA}/card`);
    const first = await call(noah, 'POST', `/api/v1/deals/${dealA}/requests`, { justification: 'competitive pressure', idempotencyKey: idempotencyKey() });
    const second = await call(noah, 'POST', `/api/v1/deals/${dealB}/requests`, { justification: 'strategic logo', idempotencyKey: idempotencyKey() });
    const third = await call(noah, 'POST', `/api/v1/deals/${dealC}/requests`, { justification: 'big one', idempotencyKey: idempotencyKey() });
    const id = (answer: typeof first) => (answer.json as { request: { id: string } }).request.id;
    await call(ben, 'GET', '/api/v1/inbox');
    await call(ben, 'POST', `/api/v1/requests/${id(first)}/decisions`, { verdict: 'approve', comment: 'fine', idempotencyKey: idempotencyKey() });
    await call(bella, 'POST', `/api/v1/requests/${id(second)}/decisions`, { verdict: 'reject', comment: 'too deep', idempotencyKey: idempotencyKey() });
    await call(noah, 'POST', `/api/v1/requests/${id(third)}/withdraw`, { reason: 'customer paused', idempotencyKey: idempotencyKey() });
    await call(admin, 'GET', '/api/v1/admin/policy');
    await call(admin, 'POST', '/api/v1/admin/policy/validate', { source: SALES_POLICY_SOURCE.replace('id: standard', 'id: executive') });
    await call(admin, 'POST', '/api/v1/admin/policy/versions', { source: SALES_POLICY_SOURCE.replace('name: Acme deal desk', 'name: Acme v2'), idempotencyKey: idempotencyKey(), expectedActiveVersion: 1 });
    await call(admin, 'POST', '/api/v1/admin/policy/versions/2/activate', { expectedActiveVersion: 1, idempotencyKey: idempotencyKey() });
    await call(admin, 'PUT', '/api/v1/admin/flag', { flag: 'shadow', idempotencyKey: idempotencyKey(), expectedVersion: 1 });
    await call(admin, 'GET', '/api/v1/scorecard?from=2026-11-01&to=2026-12-01');

    // The install: HubSpot's redirect carries the state; the callback brings it back with a one-time code, which
    // HubSpot here refuses to exchange.
    const install = await harness.send({ method: 'GET', path: '/oauth/install', sign: false });
    statuses.push(install.status);
    const state = new URL(String(install.headers.location)).searchParams.get('state') ?? '';
    const code = 'na1-0a1b-oauth-code-never-logged-2c3d';
    oauthSecrets.push(state, code);
    nock(HUBSPOT_API).post(/\/oauth\//).reply(400, { status: 'BAD_AUTH_CODE', message: 'missing or unknown auth code', category: 'BAD_AUTH_CODE' });
    statuses.push((await harness.send({ method: 'GET', path: `/oauth/callback?${new URLSearchParams({ code, state }).toString()}`, sign: false })).status);

    // The failures: bad input, refusals, conflicts, unknowns, too large.
    await call(noah, 'POST', `/api/v1/deals/${dealA}/requests`, { justification: '', idempotencyKey: 'x', __proto__: { admin: true } });
    await call(noah, 'GET', '/api/v1/deals/not-a-deal/card');
    await call(noah, 'POST', `/api/v1/requests/${id(first)}/decisions`, { verdict: 'approve', idempotencyKey: idempotencyKey() });
    await call(bella, 'POST', `/api/v1/requests/${id(first)}/decisions`, { verdict: 'approve', idempotencyKey: idempotencyKey() });
    await call(noah, 'GET', '/api/v1/deals/987654321/card');
    await call(noah, 'GET', '/api/v1/nowhere');
    await call(noah, 'PUT', '/api/v1/admin/flag', { flag: 'off', idempotencyKey: idempotencyKey(), expectedVersion: 2 });
    await call(admin, 'POST', '/api/v1/admin/policy/versions', { source: 'name: x\nroutes: []', idempotencyKey: idempotencyKey(), expectedActiveVersion: 2 });
    await call(admin, 'POST', '/api/v1/admin/policy/versions/9/activate', { expectedActiveVersion: 2, idempotencyKey: idempotencyKey() });
    await call(admin, 'PUT', '/api/v1/admin/flag', { flag: 'off', idempotencyKey: idempotencyKey(), expectedVersion: 1 }); // stale: a 409
    await call(admin, 'GET', '/api/v1/scorecard?from=2026-12-01&to=2026-11-01');
    statuses.push((await harness.send({ method: 'POST', path: '/api/v1/admin/policy/validate', caller: admin, body: '{"source":' })).status);
    statuses.push((await harness.send({ method: 'POST', path: '/api/v1/admin/policy/validate', caller: admin, body: JSON.stringify({ source: 'y'.repeat(1_100_000) }) })).status);

    // Forgeries: another secret, a stale replay, no signature, a v2 signature.
    const path = withIdentity('/api/v1/inbox', ben);
    const now = harness.clock.now().getTime();
    for (const headers of [
      signatureHeaders({ secret: 'not-the-secret-0123456789', method: 'GET', signedPath: path, baseUrl: TEST_BASE_URL, body: '', timestampMs: now, uriForm: 'hubspot' }),
      signatureHeaders({ secret: TEST_SECRET, method: 'GET', signedPath: path, baseUrl: TEST_BASE_URL, body: '', timestampMs: now - 600_000, uriForm: 'hubspot' }),
      { 'X-HubSpot-Request-Timestamp': String(now) },
      { 'X-HubSpot-Signature': 'a'.repeat(64), 'X-HubSpot-Signature-Version': 'v2' },
    ]) statuses.push((await harness.send({ method: 'GET', path, sign: false, headers })).status);

    // A NUL byte (once a 500 from Postgres, now refused at the edge), and a dependency that throws an error full
    // of SQL and source paths: a 500 that must say nothing of them.
    const dealD = await seedDeal(portal, { discount_percent: '25' });
    await call(noah, 'POST', `/api/v1/deals/${dealD}/requests`, { justification: 'nul \u0000 byte', idempotencyKey: idempotencyKey() });
    const brokenDeal = await seedDeal(brokenPortal, { discount_percent: '25' });
    await call(brokenPortal.as('noah'), 'GET', `/api/v1/deals/${brokenDeal}/card`);

    expect(new Set(statuses)).toEqual(new Set([200, 201, 302, 400, 401, 403, 404, 409, 413, 500]));
    expect(oauthSecrets.every((secret) => secret.length >= 16)).toBe(true);
  });

  it('every error answer is the contract\'s error shape, and a 500 says only "internal error"', () => {
    const errors = errorAnswers(harness);
    expect(errors.length).toBeGreaterThanOrEqual(15);
    for (const answer of errors) expect(ErrorAnswer.safeParse(answer.json).success, answer.text).toBe(true);
    const internal = errors.filter((answer) => answer.status === 500);
    expect(internal.length).toBeGreaterThanOrEqual(1);
    for (const answer of internal) expect(answer.json).toEqual({ error: { code: 'internal', message: 'internal error', requestId: expect.any(String) } });
  });

  it('no log line carries the secret, a signature, the database password or a token; no error body carries internals', () => {
    const { logLines } = assertNoLeaks(harness, { databaseUrl: database().url, tokenShapes: true, secrets: oauthSecrets });
    expect(logLines).toBeGreaterThan(30);
    // The install's lines were written, with their URLs: the scan above read them.
    expect(harness.logs.some((line) => line.includes('"location":"https://app.hubspot.com/oauth/authorize'))).toBe(true);
    expect(harness.logs.some((line) => line.includes('/oauth/callback?code='))).toBe(true);
  });

  it('the scanners would have caught a leak (they are not vacuous)', () => {
    const password = databasePassword(database().url);
    const samples = [
      `{"msg":"boom","err":{"stack":"Error: x\\n    at run (/work/main/server/x.ts:1:2)"}}`,
      'insert into "approval_requests" ("id") values ($1) - invalid byte sequence for encoding "UTF8": 0x00',
    ];
    for (const sample of samples) expect(INTERNALS.some(({ pattern }) => pattern.test(sample)), sample).toBe(true);
    const signature = [...harness.signaturesSent][0]!;
    expect(TOKEN_SHAPES.some(({ pattern }) => pattern.test(`"x-hubspot-signature-v3":"${signature}"`))).toBe(true);
    expect(TOKEN_SHAPES.some(({ pattern }) => pattern.test(`Authorization: Bearer ${['pat', 'na1', '0a1b2c3d-0000-1111-2222-333344445555'].join('-')}`))).toBe(true);
    expect(TOKEN_SHAPES.some(({ pattern }) => pattern.test('"location":"https://app.hubspot.com/oauth/authorize?client_id=x&state=eyJ2IjoxLCJu.c2lnbmF0dXJl"'))).toBe(true);
    expect(TOKEN_SHAPES.some(({ pattern }) => pattern.test('"url":"/oauth/callback?code=na1-0a1b-2c3d-4e5f&state=[redacted]"'))).toBe(true);
    expect(TOKEN_SHAPES.some(({ pattern }) => pattern.test('"url":"/oauth/callback?code=[redacted]&state=[redacted]"'))).toBe(false);
    if (password) expect(harness.logs.some((line) => line.includes(password))).toBe(false);
  });
});
