// Bad input, signed correctly, on every endpoint: fast-check generates path params, extra query parameters,
// headers and bodies (wrong types, huge strings, deep nesting, control characters and lone surrogates, missing,
// extra and prototype keys, arrays for objects, numbers as strings, non-JSON bytes). The service must answer
// 400 with field paths, or, where the input happens to be valid, 2xx/403/404/409; a body over 1 MB gets 413;
// nothing is ever a 500 (except the known bugs below, each pinned by an `it.fails`) or an unhandled rejection.
// HubSpot's webhook endpoint, signed with the app's secret rather than for a user, has its own: webhook-fuzz.test.ts.
import { parse as parseContentType } from 'content-type';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorAnswer } from '../../src/contract/card-api.js';
import { seedDemoPortal } from '../../server/demo/seed-demo-portal.js';
import { createAdminRouter } from '../../server/http/routes/admin-api.js';
import { createIncidentsRouter } from '../../server/http/routes/incidents-api.js';
import { createCardRouter } from '../../server/http/routes/card-api.js';
import { createDemoRouter } from '../../server/http/routes/demo-api.js';
import { createScorecardRouter } from '../../server/http/routes/scorecard-api.js';
import { createNotificationSettingsRouter } from '../../server/http/routes/notification-settings-api.js';
import type { ServiceDeps } from '../../server/use-cases/deps.js';
import type { Caller } from '../support/app.js';
import { useTestDatabase } from '../support/db.js';
import { idempotencyKey, seedDeal, seedPortal, type SeededPortal } from '../support/factories.js';
import { detailPaths, startHarness, type Answer, type Harness, type Method } from './support/harness.js';
import {
  bodyCase, bodyText, encodeQuery, extraHeaders, extraQuery, hostileShortString, NASTY_STRINGS, type BodyCase,
} from './support/hostile.js';
import { assertNoLeaks } from './support/leak-scan.js';
import { policySource } from './support/policy-sources.js';

const database = useTestDatabase();

/**
 * Cases per endpoint: 13 endpoints plus the routing and identity properties make over 10,000 cases a run.
 * The three bodiless reads that reach Postgres on every case (card view, inbox, policy overview) get fewer.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 740);
const FEWER = Math.round(RUNS * 0.55);
const BATCH = 8;
const BODY_LIMIT = 1024 * 1024;

let harness: Harness;
let cardPortal: SeededPortal;
let adminPortal: SeededPortal;
let demo: { as: (prefix: string) => Caller };
let dealIds: string[] = [];
let requestIds: string[] = [];
const counts = new Map<string, number>();
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => { unhandled.push(reason); };

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  const { db } = database();
  harness = await startHarness(db);
  cardPortal = await seedPortal(db);
  adminPortal = await seedPortal(db, { admins: ['dealdesk@acme.example'] });
  await seedDemoPortal(db, '2026-11-01T00:00:00.000Z');
  demo = { as: (prefix) => ({ ...cardPortal.as(prefix), portalId: '1' }) };
  dealIds = [];
  for (let i = 0; i < 40; i++) dealIds.push(await seedDeal(cardPortal, { discount_percent: i % 3 === 0 ? '0' : '25', amount: i % 5 === 0 ? '600000' : '50000' }));
  requestIds = [];
  for (const dealId of dealIds.slice(0, 20)) {
    const opened = await harness.call(cardPortal.as('noah'), 'POST', `/api/v1/deals/${dealId}/requests`, { justification: 'seed', idempotencyKey: idempotencyKey() });
    requestIds.push((opened.json as { request: { id: string } }).request.id);
  }
});

afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  const total = [...counts.values()].reduce((sum, n) => sum + n, 0);
  console.log(`fuzz: ${total} generated cases across ${counts.size} endpoints`, Object.fromEntries(counts));
  await harness?.close();
});

// ---- what a case is, and what every answer must satisfy -------------------------------------------------

interface Endpoint {
  name: string;
  method: Method;
  /** Wire-form path params (already encoded, possibly malformed). */
  params: Record<string, fc.Arbitrary<string>>;
  path: (params: Record<string, string>) => string;
  body?: { valid: fc.Arbitrary<Record<string, unknown>>; fields: string[] } | undefined;
  /** How many cases (default RUNS). */
  cases?: number;
  /** The endpoint's own query parameters (the scorecard's period), before any extra ones. */
  query?: fc.Arbitrary<[string, string][]>;
  callers: () => Caller[];
}

interface Case {
  params: Record<string, string>;
  query: [string, string][];
  headers: Record<string, string>;
  body: BodyCase | undefined;
  caller: number;
}

const JSON_TYPE = /^application\/(json|[^;\s]*\+json)\s*(;|$)/i;

function readsAsJson(headers: Record<string, string>): boolean {
  const type = Object.entries(headers).find(([name]) => name.toLowerCase() === 'content-type')?.[1] ?? 'application/json';
  return JSON_TYPE.test(type);
}

function charsetOk(headers: Record<string, string>): boolean {
  const type = Object.entries(headers).find(([name]) => name.toLowerCase() === 'content-type')?.[1] ?? '';
  const charset = parseContentType(type).parameters.charset?.toLowerCase();
  return charset === undefined || charset === 'utf-8' || charset === 'utf8';
}

const safeDecode = (segment: string): string | undefined => {
  try { return decodeURIComponent(segment); } catch { return undefined; }
};

/** A path segment: one of the real ids, a plausible one, or anything, sometimes with broken %-escapes. */
function segment(real: () => string[], plausible: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.nat().map((i) => { const ids = real(); return ids[i % ids.length] ?? '1'; }) },
    { weight: 3, arbitrary: plausible },
    { weight: 3, arbitrary: fc.oneof(hostileShortString, fc.constantFrom(...NASTY_STRINGS)).map((text) => encodeURIComponent(text.toWellFormed())) },
    { weight: 1, arbitrary: fc.constantFrom('%', '%E0%A4%A', '%ZZ', '%C0%AE', '%00', '..', '.', '%2F', 'a%2Fb', '%u0041') },
  );
}

const dealIdSegment = segment(() => dealIds, fc.bigInt({ min: 0n, max: 10n ** 25n }).map(String));
const requestIdSegment = segment(() => requestIds, fc.uuid().map(String));
const versionSegment = segment(() => ['1', '2', '3'], fc.oneof(fc.integer({ min: -5, max: 2_147_483_647 }).map(String), fc.constantFrom('0', '1.5', '1e3', '0x10', '9007199254740993', '1e400', '%201', 'Infinity', '-0', '+1')));

/** Scorecard bounds and delegation windows: real dates and instants, the edges of the calendar, of Postgres and of Date, and junk. */
const periodBound = fc.oneof(
  fc.constantFrom('2026-11-01', '2026-12-01', '2026-11-01T00:00:00Z', '2026-11-27T09:00:00+01:00', '2025-10-01', '2027-12-31'),
  fc.constantFrom('0000-01-01', '0001-01-01', '1969-12-31', '9999-12-31', '2026-02-30', '2026-13-01', '2026-11-01T24:00:00Z',
    '2026-11-01T00:00:00+25:00', '2026-11-01T00:00:00', '+275760-09-13T00:00:00Z', '-271821-04-20T00:00:00Z', '275760-09-13', '2026-11-01T00:00:00.123456789Z', ''),
  // Instants Postgres has no year for (0000), or that an offset carries across 1970 or into year 10000.
  fc.constantFrom('0000-01-01T00:00:00Z', '0000-12-31T23:59:59+00:00', '0001-01-01T00:00:00Z', '1969-12-31T23:59:59.999Z', '1970-01-01T00:30:00+01:00',
    '1970-01-01T00:00:00Z', '9999-12-31T23:59:59.999Z', '9999-12-31T23:59:59-01:00', '9999-12-31T00:00:00-23:59'),
  // Every four-digit year; fast-check leans to the range's ends, 0000 and 9999.
  fc.date({ min: new Date('0000-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true }).map((d) => d.toISOString()),
  fc.date({ min: new Date(-8.64e15), max: new Date(8.64e15), noInvalidDate: true }).map((d) => d.toISOString()),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
  hostileShortString,
);

const key = fc.stringMatching(/^[A-Za-z0-9_.:-]{8,40}$/);
const text = fc.oneof(fc.string({ maxLength: 40 }), hostileShortString);

const shareOrNull = fc.oneof(fc.constant(null), fc.double({ min: 0, max: 1, noNaN: true }));
const hoursOrNull = fc.oneof(fc.constant(null), fc.double({ min: 0.01, max: 200, noNaN: true }));
const scorecardTargets = fc.record({
  cycle: fc.record({ fromSla: fc.boolean(), routes: fc.array(fc.record({ routeId: fc.constantFrom('standard', 'light', 'executive'), p50Hours: hoursOrNull, p90Hours: hoursOrNull }), { maxLength: 2 }) }),
  slaBreachRate: fc.record({ max: shareOrNull }),
  approvalRate: fc.record({ min: shareOrNull, max: shareOrNull }),
  reapprovalRate: fc.record({ max: shareOrNull }),
  windowDays: fc.integer({ min: 1, max: 90 }),
  minSamples: fc.integer({ min: 1, max: 100 }),
});
/** A history export: good rows, rows with bad cells, and junk. */
const historyText = fc.oneof(
  fc.array(fc.tuple(fc.constantFrom('standard', 'light', ''), fc.constantFrom('manager', 'vp'), fc.oneof(fc.double({ min: 0, max: 100, noNaN: true }).map(String), text), fc.constantFrom('approved', 'rejected', '', 'maybe'), fc.constantFrom('r1', 'r2', ''), fc.constantFrom('24', '0', 'x', ''), fc.constantFrom('approved', 'invalidated', 'pending', 'lost', '')), { maxLength: 8 })
    .map((rows) => `route,step,hours,outcome,request,sla_hours,request_state\n${rows.map((r) => r.join(',')).join('\n')}\n`),
  fc.array(fc.record({ route: text, step: text, hours: fc.oneof(fc.double({ noNaN: true }), text), sla_hours: fc.oneof(fc.integer(), text) }, { requiredKeys: [] }), { maxLength: 4 })
    .map((rows) => rows.map((r) => JSON.stringify(r)).join('\n')),
  text,
);

function sendCase(endpoint: Endpoint, fuzz: Case): Promise<Answer> {
  const callers = endpoint.callers();
  const caller = callers[fuzz.caller % callers.length]!;
  const query = encodeQuery(fuzz.query);
  const path = endpoint.path(fuzz.params) + (query ? `?${query}` : '');
  return harness.send({ method: endpoint.method, path, caller, headers: fuzz.headers, ...(fuzz.body ? { body: bodyText(fuzz.body) } : {}) });
}

/** The identity a case signed (decoded). */
interface SignedIdentity { portalId: string; userId: string; userEmail: string }

/** The checks every answer to a signed request must pass: never a 5xx, and a 4xx that says what was wrong. */
function checkAnswer(endpoint: Endpoint, fuzz: Case, answer: Answer, identity?: SignedIdentity): void {
  const label = `${endpoint.name} ${answer.sentPath} -> ${answer.status} ${answer.text.slice(0, 300)}`;
  const wire = fuzz.body ? bodyText(fuzz.body) : undefined;
  const bytes = wire === undefined ? 0 : Buffer.byteLength(wire, 'utf8');
  const json = readsAsJson(fuzz.headers);
  let parsedBody: unknown;
  if (fuzz.body?.kind === 'json') parsedBody = fuzz.body.value;
  else if (wire !== undefined) { try { parsedBody = JSON.parse(wire); } catch { parsedBody = undefined; } }

  expect([200, 201, 400, 401, 403, 404, 409, 413, 415], label).toContain(answer.status);
  if (answer.status >= 400) expect(ErrorAnswer.safeParse(answer.json).success, `error body shape: ${label}`).toBe(true);

  // JSON comes in UTF-8: a body in any other charset is refused as such, before it is read.
  if (wire !== undefined && !charsetOk(fuzz.headers)) expect(answer.status, `a charset other than UTF-8 is a 415: ${label}`).toBe(415);
  else if (json && bytes > BODY_LIMIT) expect(answer.status, label).toBe(413);
  if (answer.status === 413) expect(bytes, label).toBeGreaterThan(BODY_LIMIT);
  // A body the JSON parser never reads was not what got signed (the server verifies over no bytes): 401.
  if (answer.status === 401 && !identity) expect(wire !== undefined && wire.length > 0 && !json, `only an unread body fails the signature: ${label}`).toBe(true);

  const wellFormedJsonObject = wire !== undefined && json && charsetOk(fuzz.headers) && parsedBody !== null && typeof parsedBody === 'object' && !wire.startsWith('\ufeff');
  const readablePath = Object.values(fuzz.params).every((value) => safeDecode(value) !== undefined);
  // (A request without a body but with a charset other than UTF-8 may be refused before it is read: no fields to name.)
  if (answer.status === 400 && (wire === undefined ? charsetOk(fuzz.headers) : wellFormedJsonObject) && readablePath) {
    const paths = detailPaths(answer);
    expect(paths.length, `a 400 names the failing fields: ${label}`).toBeGreaterThan(0);
    for (const path of paths) expect(path, label).toMatch(/^(body|params|query)\b/);
  }
}

function caseArbitrary(endpoint: Endpoint): fc.Arbitrary<Case> {
  const body: fc.Arbitrary<BodyCase | undefined> = endpoint.body
    ? fc.oneof({ weight: 12, arbitrary: bodyCase(endpoint.body.valid, endpoint.body.fields) }, { weight: 1, arbitrary: fc.constant(undefined) })
    : fc.oneof({ weight: 5, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: bodyCase(fc.constant({}), ['x']) });
  const extra = fc.oneof({ weight: 3, arbitrary: fc.constant<[string, string][]>([]) }, { weight: 1, arbitrary: extraQuery.map((pairs) => pairs.map(([n, v]) => [n, v] as [string, string])) });
  return fc.record({
    params: fc.record(endpoint.params),
    query: endpoint.query ? fc.tuple(endpoint.query, extra).map(([own, more]) => [...own, ...more]) : extra,
    headers: fc.oneof({ weight: 4, arbitrary: fc.constant<Record<string, string>>({}) }, { weight: 1, arbitrary: extraHeaders }),
    body,
    caller: fc.nat({ max: 7 }),
  });
}

/** Cases go in concurrent batches: the service must hold up under parallel bad input too, and it is faster. */
async function fuzzEndpoint(endpoint: Endpoint, cases = RUNS) {
  await fc.assert(
    fc.asyncProperty(fc.array(caseArbitrary(endpoint), { minLength: BATCH, maxLength: BATCH }), async (batch) => {
      const answers = await Promise.all(batch.map((fuzz) => sendCase(endpoint, fuzz)));
      counts.set(endpoint.name, (counts.get(endpoint.name) ?? 0) + batch.length);
      batch.forEach((fuzz, i) => checkAnswer(endpoint, fuzz, answers[i]!));
    }),
    { numRuns: Math.ceil(cases / BATCH), endOnFailure: true },
  );
}

// ---- the endpoints ----------------------------------------------------------------------------------------

const card = () => [cardPortal.as('noah'), cardPortal.as('ben'), cardPortal.as('bella'), cardPortal.as('liam')];
const admins = () => [adminPortal.as('dealdesk'), adminPortal.as('vp.sales'), adminPortal.as('dealdesk'), adminPortal.as('noah')];
const demoUsers = () => [demo.as('noah'), demo.as('ben')];

const ENDPOINTS: Endpoint[] = [
  { name: 'card: view', method: 'GET', params: { dealId: dealIdSegment }, path: (p) => `/api/v1/deals/${p.dealId}/card`, callers: card, cases: FEWER },
  { name: 'card: request history', method: 'GET', params: { dealId: dealIdSegment }, path: (p) => `/api/v1/deals/${p.dealId}/requests`, callers: card, cases: FEWER },
  {
    name: 'card: request approval', method: 'POST', params: { dealId: dealIdSegment }, path: (p) => `/api/v1/deals/${p.dealId}/requests`, callers: card,
    body: { valid: fc.record({ justification: text, idempotencyKey: key }), fields: ['justification', 'idempotencyKey'] },
  },
  {
    name: 'card: decide', method: 'POST', params: { requestId: requestIdSegment }, path: (p) => `/api/v1/requests/${p.requestId}/decisions`, callers: card,
    body: {
      valid: fc.record({ verdict: fc.constantFrom('approve', 'reject'), comment: text, idempotencyKey: key, expectedVersion: fc.integer({ min: 1, max: 4 }) }, { requiredKeys: ['verdict', 'idempotencyKey'] }),
      fields: ['verdict', 'comment', 'idempotencyKey', 'expectedVersion'],
    },
  },
  {
    name: 'card: withdraw', method: 'POST', params: { requestId: requestIdSegment }, path: (p) => `/api/v1/requests/${p.requestId}/withdraw`, callers: card,
    body: {
      valid: fc.record({ reason: text, idempotencyKey: key, expectedVersion: fc.integer({ min: 1, max: 4 }) }, { requiredKeys: ['idempotencyKey'] }),
      fields: ['reason', 'idempotencyKey', 'expectedVersion'],
    },
  },
  { name: 'card: inbox', method: 'GET', params: {}, path: () => '/api/v1/inbox', callers: card, cases: FEWER },
  { name: 'admin: get policy', method: 'GET', params: {}, path: () => '/api/v1/admin/policy', callers: admins, cases: FEWER },
  {
    name: 'admin: validate policy', method: 'POST', params: {}, path: () => '/api/v1/admin/policy/validate', callers: admins,
    body: { valid: fc.record({ source: policySource }), fields: ['source'] },
  },
  {
    name: 'admin: save policy version', method: 'POST', params: {}, path: () => '/api/v1/admin/policy/versions', callers: admins,
    body: {
      valid: fc.record({ source: policySource, idempotencyKey: key, expectedActiveVersion: fc.oneof(fc.constant(null), fc.integer({ min: 1, max: 4 })) }),
      fields: ['source', 'idempotencyKey', 'expectedActiveVersion'],
    },
  },
  {
    name: 'admin: activate version', method: 'POST', params: { version: versionSegment }, path: (p) => `/api/v1/admin/policy/versions/${p.version}/activate`, callers: admins,
    body: {
      valid: fc.record({ expectedActiveVersion: fc.oneof(fc.constant(null), fc.integer({ min: 1, max: 4 })), idempotencyKey: key, override: fc.boolean(), reason: text }, { requiredKeys: ['expectedActiveVersion', 'idempotencyKey'] }),
      fields: ['expectedActiveVersion', 'idempotencyKey', 'override', 'reason'],
    },
  },
  {
    name: 'admin: simulate policy', method: 'POST', params: {}, path: () => '/api/v1/admin/policy/simulate', callers: admins, cases: FEWER,
    body: {
      valid: fc.record({ source: policySource, accept: fc.array(fc.record({ dealId: fc.constantFrom('1', '2', '500001'), reason: text }), { maxLength: 3 }) }, { requiredKeys: ['source'] }),
      fields: ['source', 'accept'],
    },
  },
  { name: 'admin: gate status', method: 'GET', params: { version: versionSegment }, path: (p) => `/api/v1/admin/policy/versions/${p.version}/gate`, callers: admins, cases: FEWER },
  {
    name: 'admin: roll back', method: 'POST', params: {}, path: () => '/api/v1/admin/policy/rollback', callers: admins, cases: FEWER,
    body: {
      valid: fc.record({ reason: text, idempotencyKey: key, expectedActiveVersion: fc.oneof(fc.constant(null), fc.integer({ min: 1, max: 4 })) }),
      fields: ['reason', 'idempotencyKey', 'expectedActiveVersion'],
    },
  },
  {
    name: 'admin: set flag', method: 'PUT', params: {}, path: () => '/api/v1/admin/flag', callers: admins,
    body: {
      valid: fc.record({ flag: fc.constantFrom('off', 'shadow', 'on'), idempotencyKey: key, expectedVersion: fc.integer({ min: 1, max: 6 }) }),
      fields: ['flag', 'idempotencyKey', 'expectedVersion'],
    },
  },
  {
    name: 'admin: stage version', method: 'POST', params: { version: versionSegment }, path: (p) => `/api/v1/admin/policy/versions/${p.version}/stage`, callers: admins, cases: FEWER,
  },
  { name: 'admin: get candidate', method: 'GET', params: {}, path: () => '/api/v1/admin/policy/candidate', callers: admins, cases: FEWER },
  {
    name: 'admin: promote candidate', method: 'POST', params: {}, path: () => '/api/v1/admin/policy/candidate/promote', callers: admins, cases: FEWER,
  },
  { name: 'admin: drop candidate', method: 'DELETE', params: {}, path: () => '/api/v1/admin/policy/candidate', callers: admins, cases: FEWER },
  { name: 'admin: posture', method: 'GET', params: {}, path: () => '/api/v1/admin/posture', callers: admins, cases: FEWER },
  {
    name: 'admin: posture history', method: 'GET', params: {}, path: () => '/api/v1/admin/posture/history', callers: admins, cases: FEWER,
    query: fc.array(fc.tuple(fc.constant('limit'), fc.oneof(fc.constantFrom('1', '0', '500', '501', 'x', ''), fc.string())), { maxLength: 2 }),
  },
  { name: 'admin: admins', method: 'GET', params: {}, path: () => '/api/v1/admin/admins', callers: admins, cases: FEWER },
  {
    name: 'admin: list delegations', method: 'GET', params: {}, path: () => '/api/v1/admin/delegations', callers: admins, cases: FEWER,
    query: fc.array(fc.tuple(fc.constantFrom('all', 'All'), fc.constantFrom('true', 'false', 'yes', '')), { maxLength: 2 }),
  },
  {
    name: 'admin: create delegation', method: 'POST', params: {}, path: () => '/api/v1/admin/delegations', callers: admins,
    body: {
      valid: fc.record({
        from: fc.constantFrom('anna.berg@acme.example', 'ben.carter@acme.example', 'dealdesk@acme.example'),
        to: fc.constantFrom('vp.sales@acme.example', 'bella.diaz@acme.example'),
        startsAt: periodBound, endsAt: periodBound, idempotencyKey: key, expectedVersion: fc.integer({ min: 1, max: 6 }),
      }),
      fields: ['from', 'to', 'startsAt', 'endsAt', 'idempotencyKey', 'expectedVersion'],
    },
  },
  {
    name: 'admin: revoke delegation', method: 'DELETE', params: { id: requestIdSegment }, path: (p) => `/api/v1/admin/delegations/${p.id ?? p.requestId}`, callers: admins, cases: FEWER,
    query: fc.array(fc.tuple(fc.constantFrom('idempotencyKey', 'expectedVersion'), fc.oneof(key, fc.constantFrom('1', '2', '0', '01', 'x', ''))), { maxLength: 3 }),
  },
  {
    name: 'admin: list incidents', method: 'GET', params: {}, path: () => '/api/v1/admin/incidents', callers: admins, cases: FEWER,
    query: fc.array(fc.tuple(fc.constantFrom('kind', 'limit', 'state'), fc.oneof(fc.constantFrom('sla_breach', '5', '0', '501', '-1', 'x', 'open', 'resolved'), fc.string())), { maxLength: 2 }),
  },
  {
    name: 'admin: resolve incident', method: 'POST', params: { id: fc.oneof(fc.constantFrom('1', '0', '99999999999999999999', 'x'), fc.nat().map(String)) },
    path: (p) => `/api/v1/admin/incidents/${p.id}/resolve`, callers: admins, cases: FEWER,
    body: { valid: fc.record({ note: text, idempotencyKey: key }), fields: ['note', 'idempotencyKey'] },
  },
  { name: 'admin: read incident', method: 'GET', params: { id: fc.oneof(fc.constantFrom('1', '0', '99999999999999999999', 'x'), fc.nat().map(String)) }, path: (p) => `/api/v1/admin/incidents/${p.id}`, callers: admins, cases: FEWER },
  {
    name: 'admin: scorecard', method: 'GET', params: {}, path: () => '/api/v1/scorecard', callers: admins,
    query: fc.array(fc.tuple(fc.constantFrom('from', 'to', 'from', 'to', 'From'), periodBound), { maxLength: 4 }),
  },
  { name: 'admin: notification settings', method: 'GET', params: {}, path: () => '/api/v1/admin/notifications', callers: admins, cases: FEWER },
  {
    name: 'admin: set notification channels', method: 'PUT', params: {}, path: () => '/api/v1/admin/notifications', callers: admins,
    body: {
      valid: fc.record({
        channels: fc.record({ tasks: fc.constant(true), email: fc.boolean(), slack: fc.boolean() }, { requiredKeys: [] }),
        idempotencyKey: key, expectedVersion: fc.integer({ min: 1, max: 6 }),
      }),
      fields: ['channels', 'idempotencyKey', 'expectedVersion'],
    },
  },
  { name: 'me: notifications', method: 'GET', params: {}, path: () => '/api/v1/me/notifications', callers: card, cases: FEWER },
  {
    name: 'me: email opt-out', method: 'PUT', params: {}, path: () => '/api/v1/me/notifications', callers: card,
    body: { valid: fc.record({ emailOptOut: fc.boolean(), idempotencyKey: key }), fields: ['emailOptOut', 'idempotencyKey'] },
  },
  { name: 'admin: scorecard targets', method: 'GET', params: {}, path: () => '/api/v1/admin/scorecard/targets', callers: admins, cases: FEWER },
  {
    name: 'admin: set scorecard targets', method: 'PUT', params: {}, path: () => '/api/v1/admin/scorecard/targets', callers: admins,
    body: { valid: fc.record({ targets: scorecardTargets, idempotencyKey: key, expectedVersion: fc.integer({ min: 0, max: 4 }) }), fields: ['targets', 'idempotencyKey', 'expectedVersion'] },
  },
  { name: 'admin: scorecard baseline', method: 'GET', params: {}, path: () => '/api/v1/admin/scorecard/baseline', callers: admins, cases: FEWER },
  {
    name: 'admin: set scorecard baseline', method: 'POST', params: {}, path: () => '/api/v1/admin/scorecard/baseline', callers: admins,
    body: {
      valid: fc.oneof(
        fc.record({ source: fc.constant('import'), history: historyText, fileName: text, idempotencyKey: key, expectedVersion: fc.integer({ min: 0, max: 4 }) }, { requiredKeys: ['source', 'history', 'idempotencyKey', 'expectedVersion'] }),
        fc.record({ source: fc.constant('first_30_days'), idempotencyKey: key, expectedVersion: fc.integer({ min: 0, max: 4 }) }),
      ),
      fields: ['source', 'history', 'fileName', 'idempotencyKey', 'expectedVersion'],
    },
  },
  {
    name: 'demo: create deal', method: 'POST', params: {}, path: () => '/api/v1/demo/deals', callers: demoUsers,
    body: { valid: fc.record({ properties: fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9_]{0,20}$/), fc.oneof(text, fc.constant(null)), { maxKeys: 4 }) }), fields: ['properties'] },
  },
  {
    name: 'demo: change deal', method: 'POST', params: { dealId: segment(() => ['9001', '9002', '9005', '10000'], fc.nat().map(String)) },
    path: (p) => `/api/v1/demo/deals/${p.dealId}/properties`, callers: demoUsers,
    body: {
      valid: fc.record({ properties: fc.dictionary(fc.constantFrom('amount', 'discount_percent', 'payment_terms', 'dealstage', 'x_custom'), fc.oneof(text, fc.constant(null), fc.constantFrom('25', '600000', 'net_90', 'closedwon')), { maxKeys: 3 }) }),
      fields: ['properties'],
    },
  },
];

describe('signed bad input on every endpoint', () => {
  it.each(ENDPOINTS.map((endpoint) => [endpoint.name, endpoint] as const))('%s: never a 500, a 400 names its fields, over 1 MB is 413', async (_name, endpoint) => {
    await fuzzEndpoint(endpoint, endpoint.cases);
  }, 120_000);

  it('any method on any path under /api/v1: a JSON 4xx or a real answer, never a 500', async () => {
    const methods: Method[] = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'];
    const paths = fc.oneof(
      fc.constantFrom(...ENDPOINTS.map((e) => e.path({ dealId: dealIds[0]!, requestId: requestIds[0]!, version: '1' }))),
      fc.array(fc.oneof(fc.constantFrom('api', 'v1', 'admin', 'demo', 'deals', 'requests', 'card', 'inbox', 'policy', 'flag', '..', ''), hostileShortString.map((s) => encodeURIComponent(s.toWellFormed()))), { maxLength: 6 })
        .map((parts) => `/api/v1/${parts.join('/')}`),
    );
    const routing: Endpoint = { name: 'routing: any method, any path', method: 'GET', params: {}, path: () => '', callers: card };
    const noise = fc.record({ method: fc.constantFrom(...methods), path: paths, body: fc.option(bodyCase(fc.constant({ a: 1 }), ['a']), { nil: undefined }) });
    await fc.assert(fc.asyncProperty(fc.array(noise, { minLength: BATCH, maxLength: BATCH }), async (batch) => {
      const answers = await Promise.all(batch.map(({ method, path, body }) => harness.send({ method, path, caller: card()[0]!, ...(body ? { body: bodyText(body) } : {}) })));
      counts.set(routing.name, (counts.get(routing.name) ?? 0) + batch.length);
      batch.forEach(({ method, body }, i) => checkAnswer({ ...routing, method }, { params: {}, query: [], headers: {}, body, caller: 0 }, answers[i]!));
    }), { numRuns: Math.ceil(RUNS / BATCH), endOnFailure: true });
  }, 120_000);

  it('odd but signed identity parameters: 401 or a real answer, never a 500', async () => {
    const digits = fc.oneof(fc.constantFrom(cardPortal.portalId, `00${cardPortal.portalId}`, '0', '1', '999999999', '9223372036854775807', '9223372036854775808', '99999999999999999999'), fc.bigInt({ min: 0n, max: 10n ** 21n }).map(String));
    const value = (real: fc.Arbitrary<string>) => fc.oneof({ weight: 4, arbitrary: real }, { weight: 2, arbitrary: hostileShortString }, { weight: 1, arbitrary: fc.constantFrom(...NASTY_STRINGS) });
    const email = fc.oneof(fc.constantFrom('noah.king@acme.example', 'NOAH.KING@ACME.EXAMPLE', 'ben.carter@acme.example', 'a@b', 'a@@b', '@b', 'a@'), fc.tuple(hostileShortString, hostileShortString).map(([a, b]) => `${a}@${b}`));
    const identity = fc.record({
      portalId: value(digits), userId: value(fc.constantFrom('1002', '1006', '0', '99999999999999999999')), userEmail: value(email),
      where: fc.constantFrom('/api/v1/inbox', 'card', '/api/v1/admin/policy'), doubled: fc.boolean(),
    });
    const identityEndpoint: Endpoint = { name: 'identity: odd signed identity', method: 'GET', params: {}, path: () => '', callers: card };
    await fc.assert(fc.asyncProperty(fc.array(identity, { minLength: BATCH, maxLength: BATCH }), async (batch) => {
      const answers = await Promise.all(batch.map(({ portalId, userId, userEmail, where, doubled }) => {
        const pairs: [string, string][] = [['portalId', portalId], ['userId', userId], ['userEmail', userEmail]];
        // HubSpot's appended copies: they must agree with the card's (an upper-cased email agrees once lower-cased).
        if (doubled) pairs.push(['portalId', portalId], ['userEmail', userEmail.toUpperCase()]);
        const base = where === 'card' ? `/api/v1/deals/${dealIds[1]}/card` : where;
        return harness.send({ method: 'GET', path: `${base}?${encodeQuery(pairs)}` });
      }));
      counts.set(identityEndpoint.name, (counts.get(identityEndpoint.name) ?? 0) + batch.length);
      batch.forEach(({ portalId, userId, userEmail }, i) => {
        const sent = { portalId: portalId.toWellFormed(), userId: userId.toWellFormed(), userEmail: userEmail.toWellFormed().toLowerCase() };
        checkAnswer(identityEndpoint, { params: {}, query: [], headers: {}, body: undefined, caller: 0 }, answers[i]!, sent);
        if (answers[i]!.status === 401) expect((answers[i]!.json as { error: { code: string } }).error.code).toBe('unauthorized');
      });
    }), { numRuns: Math.ceil(RUNS / BATCH), endOnFailure: true });
  }, 120_000);

  it('covers every route the API routers define (a new endpoint must join this fuzz)', () => {
    const deps = { db: harness.db } as unknown as ServiceDeps;
    const routesOf = (router: { stack: unknown[] }, prefix: string) => (router.stack as { route?: { path: string; methods: Record<string, boolean> } }[])
      .flatMap((layer) => (layer.route ? Object.keys(layer.route.methods).map((method) => `${method.toUpperCase()} ${prefix}${layer.route!.path}`) : []));
    const defined = [
      ...routesOf(createCardRouter(deps), '/api/v1'), ...routesOf(createAdminRouter(deps), '/api/v1/admin'), ...routesOf(createIncidentsRouter(deps), '/api/v1/admin'),
      ...routesOf(createDemoRouter(deps), '/api/v1/demo'), ...routesOf(createScorecardRouter(deps), '/api/v1'),
      ...routesOf(createNotificationSettingsRouter(deps), '/api/v1'),
    ];
    const fuzzed = ENDPOINTS.map((endpoint) => `${endpoint.method} ${endpoint.path({ dealId: ':dealId', requestId: ':requestId', version: ':version', id: ':id' })}`);
    expect(fuzzed.sort()).toEqual(defined.sort());
  });

  it('a body just over 1 MB is 413 on every endpoint that takes a body, and just under is read', async () => {
    for (const endpoint of ENDPOINTS) {
      const path = endpoint.path({ dealId: dealIds[2]!, requestId: requestIds[2]!, version: '1' });
      const over = JSON.stringify({ source: 'x'.repeat(BODY_LIMIT) });
      const answer = await harness.send({ method: endpoint.method, path, caller: endpoint.callers()[0]!, body: over });
      expect(answer.status, endpoint.name).toBe(413);
      expect((answer.json as { error: { code: string } }).error.code).toBe('payload_too_large');
    }
    const under = JSON.stringify({ source: 'x'.repeat(BODY_LIMIT - 20) });
    const read = await harness.send({ method: 'POST', path: '/api/v1/admin/policy/validate', caller: adminPortal.as('dealdesk'), body: under });
    expect(read.status).toBe(400);
    expect(detailPaths(read)).toEqual(['body.source']);
  });

  it('a non-JSON content type is refused without a 500, whatever the endpoint', async () => {
    for (const endpoint of ENDPOINTS) {
      for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/json; charset=latin1',
        'application/json; charset=utf-16', 'application/json; charset=UTF-16LE', 'application/json; charset=utf-32']) {
        const path = endpoint.path({ dealId: dealIds[3]!, requestId: requestIds[3]!, version: '1' });
        const answer = await harness.send({ method: endpoint.method, path, caller: endpoint.callers()[0]!, body: 'flag=on&source=x', headers: { 'content-type': type } });
        // JSON in a charset other than UTF-8 is refused as such, and so is every other type.
        expect(answer.status, `${endpoint.name} ${type}`).toBe(415);
        expect(ErrorAnswer.safeParse(answer.json).success).toBe(true);
      }
    }
  });

  it('no generated case left an unhandled rejection behind', () => {
    expect(unhandled).toEqual([]);
  });

  it('no answer or log line of the whole run leaks a secret, a signature, a stack, a file path or SQL', () => {
    assertNoLeaks(harness);
  });
});

// ---- bugs this fuzz found, fixed, and kept as regression tests -------------------------------------------

describe('client input that once reached Postgres and got a 500', () => {
  const expectNot500 = (answer: Answer) => expect(answer.status, answer.text).toBeLessThan(500);
  /** A save as an admin client sends it: a fresh key, against the active version now, so only the source can fail. */
  const guardedSave = async (source: string) => {
    const active = await harness.db('policy_versions').where({ portal_id: adminPortal.portalId, is_active: true }).first<{ version: number } | undefined>('version');
    return { source, idempotencyKey: idempotencyKey(), expectedActiveVersion: active?.version ?? null };
  };

  it('unstorable-text: a justification with U+0000 is a 400, not a 500', async () => {
    const dealId = await seedDeal(cardPortal, { discount_percent: '25' });
    expectNot500(await harness.call(cardPortal.as('noah'), 'POST', `/api/v1/deals/${dealId}/requests`, { justification: 'a\u0000b', idempotencyKey: idempotencyKey() }));
  });

  it('unstorable-text: a justification with a lone surrogate is a 400, not a 500', async () => {
    const dealId = await seedDeal(cardPortal, { discount_percent: '25' });
    expectNot500(await harness.call(cardPortal.as('noah'), 'POST', `/api/v1/deals/${dealId}/requests`, { justification: 'a\ud800b', idempotencyKey: idempotencyKey() }));
  });

  it('unstorable-text: a rejection comment with U+0000 is a 400, not a 500', async () => {
    const dealId = await seedDeal(cardPortal, { discount_percent: '25' });
    const opened = await harness.call(cardPortal.as('noah'), 'POST', `/api/v1/deals/${dealId}/requests`, { justification: 'ok', idempotencyKey: idempotencyKey() });
    const requestId = (opened.json as { request: { id: string } }).request.id;
    expectNot500(await harness.call(cardPortal.as('ben'), 'POST', `/api/v1/requests/${requestId}/decisions`, { verdict: 'reject', comment: 'no\u0000', idempotencyKey: idempotencyKey() }));
  });

  it('unstorable-text: a policy whose name is "\\0" (a YAML escape) is a 400 on save, not a 500', async () => {
    const source = 'name: "a\\0b"\nscoring: { factors: [] }\nroutes: [{ id: auto, when: { always: true }, autoApprove: true }]';
    expectNot500(await harness.call(adminPortal.as('dealdesk'), 'POST', '/api/v1/admin/policy/versions', await guardedSave(source)));
  });

  it('unstorable-text: a policy whose name is "\\udfff" (a lone surrogate by YAML escape) is a 400 on save, not a 500', async () => {
    const source = 'name: "a\\udfffb"\nscoring: { factors: [] }\nroutes: [{ id: auto, when: { always: true }, autoApprove: true }]';
    expectNot500(await harness.call(adminPortal.as('dealdesk'), 'POST', '/api/v1/admin/policy/versions', await guardedSave(source)));
  });

  it('unstorable-text: a signed userEmail with U+0000 is a 401, not a 500', async () => {
    expectNot500(await harness.call({ ...cardPortal.as('ben'), email: 'ben\u0000@acme.example' }, 'GET', '/api/v1/inbox'));
  });

  it('portal-id-beyond-bigint: a signed 20-digit portalId is a 401 or 404, not a 500', async () => {
    expectNot500(await harness.call({ portalId: '99999999999999999999', userId: '1', email: 'a@b.example' }, 'GET', '/api/v1/inbox'));
  });

  it('policy-version-beyond-int4: activating version 3000000000 is a 400 or 404, not a 500', async () => {
    expectNot500(await harness.call(adminPortal.as('dealdesk'), 'POST', '/api/v1/admin/policy/versions/3000000000/activate', { expectedActiveVersion: 1, idempotencyKey: idempotencyKey() }));
  });

  it('delegation-year-zero: a delegation window starting 0000-01-01T00:00:00Z is a 400, not a 500', async () => {
    const answer = await harness.call(adminPortal.as('dealdesk'), 'POST', '/api/v1/admin/delegations',
      { from: 'anna.berg@acme.example', to: 'vp.sales@acme.example', startsAt: '0000-01-01T00:00:00Z', endsAt: '2027-01-01T00:00:00Z', idempotencyKey: 'fuzz-year-zero-key', expectedVersion: 1 });
    expect(answer.status, answer.text).toBe(400);
    expect(detailPaths(answer)).toEqual(['body.startsAt']);
  });

  it('scorecard-year-zero: a period in year 0000 is a 400, not a 500', async () => {
    expectNot500(await harness.call(adminPortal.as('dealdesk'), 'GET', '/api/v1/scorecard?from=0000-01-01&to=0001-01-01'));
  });

  it('yaml-alias-throws: a policy with an unresolved alias is reported as a problem (200 valid: false), not a 500', async () => {
    expectNot500(await harness.call(adminPortal.as('dealdesk'), 'POST', '/api/v1/admin/policy/validate', { source: 'name: *nowhere' }));
  });

  it('yaml-alias-throws: a policy with an alias bomb is reported as a problem (200 valid: false), not a 500', async () => {
    const rows = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (const [name, previous] of [['b', 'a'], ['c', 'b'], ['d', 'c']] as const) rows.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(', ')}]`);
    expectNot500(await harness.call(adminPortal.as('dealdesk'), 'POST', '/api/v1/admin/policy/validate', { source: rows.join('\n') }));
  });
});
