// Forged and replayed requests against the real app, on every endpoint: each tampering of a genuine signed
// request is a 401, and spies prove nothing behind the signature ran: no use case loaded the portal, no CRM was
// built, not one SQL statement reached Postgres, and every table is byte for byte as it was. The genuine request
// itself is then accepted, so each 401 is down to the tampering alone.
import { Signature } from '@hubspot/api-client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LocalCrm } from '../../server/crm/local-crm.js';
import { seedDemoPortal } from '../../server/demo/seed-demo-portal.js';
import * as actOnRequest from '../../server/use-cases/requests/act-on-request.js';
import * as adminPolicy from '../../server/use-cases/admin/admin-policy.js';
import * as dealChanged from '../../server/use-cases/webhooks/deal-changed.js';
import * as getCardView from '../../server/use-cases/card/get-card-view.js';
import * as getInbox from '../../server/use-cases/card/get-inbox.js';
import * as loadDealContext from '../../server/use-cases/load-facts.js';
import * as requestApproval from '../../server/use-cases/requests/request-approval.js';
import { TEST_BASE_URL, TEST_SECRET, type Caller } from '../support/app.js';
import { useTestDatabase } from '../support/db.js';
import { idempotencyKey, seedDeal, seedPortal, type SeededPortal } from '../support/factories.js';
import { signatureHeaders, startHarness, withIdentity, type Harness, type Method, type SendInput } from './support/harness.js';
import { assertNoLeaks } from './support/leak-scan.js';

// Every function the use-case modules export becomes a spy that calls through: the routes reach the service only
// through these, so "no spy was called" means no use case ran.
const { spyOnEveryExport } = vi.hoisted(() => ({
  spyOnEveryExport: async (importOriginal: () => Promise<Record<string, unknown>>) => Object.fromEntries(
    Object.entries(await importOriginal()).map(([name, value]) => [name, typeof value === 'function' ? vi.fn(value as (...args: unknown[]) => unknown) : value]),
  ),
}));
vi.mock('../../server/use-cases/requests/act-on-request.js', spyOnEveryExport);
vi.mock('../../server/use-cases/admin/admin-policy.js', spyOnEveryExport);
vi.mock('../../server/use-cases/webhooks/deal-changed.js', spyOnEveryExport);
vi.mock('../../server/use-cases/card/get-card-view.js', spyOnEveryExport);
vi.mock('../../server/use-cases/card/get-inbox.js', spyOnEveryExport);
vi.mock('../../server/use-cases/load-facts.js', spyOnEveryExport);
vi.mock('../../server/use-cases/requests/request-approval.js', spyOnEveryExport);

const USE_CASE_MODULES = { actOnRequest, adminPolicy, dealChanged, getCardView, getInbox, loadDealContext, requestApproval };

/** Every use-case export that was called since the last reset, as `module.function`. */
function useCasesCalled(): string[] {
  return Object.entries(USE_CASE_MODULES).flatMap(([module, exports]) => Object.entries(exports)
    .filter(([, value]) => vi.isMockFunction(value) && value.mock.calls.length > 0)
    .map(([name]) => `${module}.${name}`));
}

function resetUseCaseSpies() {
  for (const exports of Object.values(USE_CASE_MODULES)) for (const value of Object.values(exports)) if (vi.isMockFunction(value)) value.mockClear();
}

const database = useTestDatabase();
const WINDOW_MS = 5 * 60 * 1000;

let harness: Harness;
let portal: SeededPortal;
let demoCaller: Caller;
let requestId: string;
let dealId: string;
const crmFor = vi.fn();
let queries = 0;

beforeAll(async () => {
  const { db } = database();
  portal = await seedPortal(db);
  await seedDemoPortal(db, '2026-11-01T00:00:00.000Z');
  demoCaller = { ...portal.as('noah'), portalId: '1' };
  const crm = new LocalCrm({ db, now: () => harness.clock.now() }); // the harness's clock, once it is built
  crmFor.mockImplementation(() => crm);
  harness = await startHarness(db, { crmFor });
  dealId = await seedDeal(portal, { discount_percent: '25' });
  const opened = await harness.call(portal.as('noah'), 'POST', `/api/v1/deals/${dealId}/requests`, { justification: 'genuine', idempotencyKey: idempotencyKey() });
  requestId = (opened.json as { request: { id: string } }).request.id;
  db.on('query', () => { queries += 1; });
});

afterAll(async () => { await harness?.close(); });

interface Genuine {
  name: string;
  method: Method;
  path: string;
  /** The same request sent to another resource (another id, or a sibling endpoint). */
  otherPath: string;
  caller: () => Caller;
  body?: () => unknown;
}

const ENDPOINTS: Genuine[] = [
  { name: 'card: view', method: 'GET', path: '/api/v1/deals/{deal}/card', otherPath: '/api/v1/deals/{otherDeal}/card', caller: () => portal.as('noah') },
  { name: 'card: request approval', method: 'POST', path: '/api/v1/deals/{deal}/requests', otherPath: '/api/v1/deals/{otherDeal}/requests', caller: () => portal.as('noah'), body: () => ({ justification: 'forged?', idempotencyKey: idempotencyKey() }) },
  { name: 'card: decide', method: 'POST', path: '/api/v1/requests/{request}/decisions', otherPath: '/api/v1/requests/{request}/withdraw', caller: () => portal.as('ben'), body: () => ({ verdict: 'approve', idempotencyKey: idempotencyKey() }) },
  { name: 'card: withdraw', method: 'POST', path: '/api/v1/requests/{request}/withdraw', otherPath: '/api/v1/requests/{request}/decisions', caller: () => portal.as('noah'), body: () => ({ idempotencyKey: idempotencyKey() }) },
  { name: 'card: inbox', method: 'GET', path: '/api/v1/inbox', otherPath: '/api/v1/inbox/', caller: () => portal.as('ben') },
  { name: 'admin: get policy', method: 'GET', path: '/api/v1/admin/policy', otherPath: '/api/v1/admin/policy/', caller: () => portal.as('dealdesk') },
  { name: 'admin: validate policy', method: 'POST', path: '/api/v1/admin/policy/validate', otherPath: '/api/v1/admin/policy/versions', caller: () => portal.as('dealdesk'), body: () => ({ source: 'name: x' }) },
  { name: 'admin: save policy version', method: 'POST', path: '/api/v1/admin/policy/versions', otherPath: '/api/v1/admin/policy/validate', caller: () => portal.as('dealdesk'), body: () => ({ source: 'name: x', idempotencyKey: idempotencyKey(), expectedActiveVersion: 1 }) },
  { name: 'admin: activate version', method: 'POST', path: '/api/v1/admin/policy/versions/1/activate', otherPath: '/api/v1/admin/policy/versions/2/activate', caller: () => portal.as('dealdesk'), body: () => ({ expectedActiveVersion: 1, idempotencyKey: idempotencyKey() }) },
  { name: 'admin: set flag', method: 'PUT', path: '/api/v1/admin/flag', otherPath: '/api/v1/admin/flag/', caller: () => portal.as('dealdesk'), body: () => ({ flag: 'shadow', idempotencyKey: idempotencyKey(), expectedVersion: 1 }) },
  { name: 'admin: scorecard', method: 'GET', path: '/api/v1/scorecard?from=2026-11-01&to=2026-12-01', otherPath: '/api/v1/scorecard?from=2026-10-01&to=2026-12-01', caller: () => portal.as('dealdesk') },
  { name: 'demo: create deal', method: 'POST', path: '/api/v1/demo/deals', otherPath: '/api/v1/demo/deals/', caller: () => demoCaller, body: () => ({ properties: { dealname: 'forged' } }) },
  { name: 'demo: change deal', method: 'POST', path: '/api/v1/demo/deals/9001/properties', otherPath: '/api/v1/demo/deals/9002/properties', caller: () => demoCaller, body: () => ({ properties: { amount: '1' } }) },
];

/** What a genuine request looks like on the wire, and the parts a forger plays with. */
interface Wire {
  endpoint: Genuine;
  method: Method;
  /** Path with the identity query. */
  path: string;
  body: string | undefined;
  timestampMs: number;
  headers: Record<string, string>;
}

function genuine(endpoint: Genuine): Wire {
  const path = withIdentity(fill(endpoint.path), endpoint.caller());
  const body = endpoint.body ? JSON.stringify(endpoint.body()) : undefined;
  const timestampMs = harness.clock.now().getTime();
  const headers = signatureHeaders({ secret: TEST_SECRET, method: endpoint.method, signedPath: path, baseUrl: TEST_BASE_URL, body: body ?? '', timestampMs, uriForm: 'hubspot' });
  return { endpoint, method: endpoint.method, path, body, timestampMs, headers };
}

const fill = (template: string) => template.replace('{deal}', dealId).replace('{otherDeal}', String(Number(dealId) + 1)).replace('{request}', requestId);
const queryOf = (path: string) => path.slice(path.indexOf('?'));

const send = (wire: Wire, extra: Partial<SendInput> = {}) => harness.send({
  method: wire.method, path: wire.path, sign: false, headers: wire.headers, ...(wire.body === undefined ? {} : { body: wire.body }), ...extra,
});

const otherMethod = (method: Method): Method => (method === 'GET' ? 'POST' : method === 'POST' ? 'PUT' : 'POST');
const flipChar = (text: string) => text.replace(/[A-Za-z]/, (c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase()));
const legacySignature = (version: 'v1' | 'v2', wire: Wire) => Signature.getSignature(wire.method, version, {
  signature: '', clientSecret: TEST_SECRET, url: `${TEST_BASE_URL}${wire.path.replace('%40', '@')}`, requestBody: wire.body ?? '',
});

/** Each forgery: a name, and how it turns a genuine wire request into a sent one (or a clock move). */
const FORGERIES: { name: string; forge: (wire: Wire) => ReturnType<typeof send> }[] = [
  { name: 'the method was changed', forge: (wire) => send({ ...wire, method: otherMethod(wire.method) }) },
  { name: 'the path was changed (another id, endpoint or period)', forge: (wire) => send({ ...wire, path: withIdentity(fill(wire.endpoint.otherPath), wire.endpoint.caller()) }) },
  { name: 'the path was re-cased (Express routes it the same)', forge: (wire) => send({ ...wire, path: wire.path.replace('/api/v1/', '/API/v1/') }) },
  {
    name: 'the identity was swapped for an admin\'s',
    forge: (wire) => {
      const admin = wire.path.includes('dealdesk') ? portal.as('vp.sales') : portal.as('dealdesk');
      return send({ ...wire, path: wire.path.replace(/userEmail=[^&]+/, `userEmail=${encodeURIComponent(admin.email)}`).replace(/userId=\d+/, `userId=${admin.userId}`) });
    },
  },
  { name: 'the portal was swapped', forge: (wire) => send({ ...wire, path: wire.path.replace(/portalId=\d+/, (found) => (found === 'portalId=1' ? `portalId=${portal.portalId}` : 'portalId=1')) }) },
  { name: 'a query parameter was added', forge: (wire) => send({ ...wire, path: `${wire.path}&debug=1` }) },
  { name: 'the query was reordered', forge: (wire) => send({ ...wire, path: `${wire.path.split('?')[0]}?${queryOf(wire.path).slice(1).split('&').reverse().join('&')}` }) },
  { name: 'the body was changed', forge: (wire) => send({ ...wire, body: wire.body === undefined ? '{"x":1}' : flipChar(wire.body) }) },
  { name: 'the body was re-serialised with spaces', forge: (wire) => send({ ...wire, body: wire.body === undefined ? '{ }' : JSON.stringify(JSON.parse(wire.body), null, 1) }) },
  { name: 'the body was dropped', forge: (wire) => send({ ...wire, body: wire.body === undefined ? '{}' : undefined }) },
  { name: 'the timestamp header was changed', forge: (wire) => send({ ...wire, headers: { ...wire.headers, 'X-HubSpot-Request-Timestamp': String(wire.timestampMs - 1) } }) },
  { name: 'it was signed with another secret', forge: (wire) => send({ ...wire, headers: signatureHeaders({ secret: `${TEST_SECRET}-other`, method: wire.method, signedPath: wire.path, baseUrl: TEST_BASE_URL, body: wire.body ?? '', timestampMs: wire.timestampMs, uriForm: 'hubspot' }) }) },
  { name: 'it was signed for another host', forge: (wire) => send({ ...wire, headers: signatureHeaders({ secret: TEST_SECRET, method: wire.method, signedPath: wire.path, baseUrl: 'http://evil.example', body: wire.body ?? '', timestampMs: wire.timestampMs, uriForm: 'hubspot' }) }) },
  {
    // HubSpot signs a request to another backend of the same app with the same secret: replayed here under that
    // backend's Host, it must not verify.
    name: 'it was signed for another backend of the app and sent with that backend\'s Host',
    forge: (wire) => send(wire, { headers: { ...signatureHeaders({ secret: TEST_SECRET, method: wire.method, signedPath: wire.path, baseUrl: 'http://evil.example', body: wire.body ?? '', timestampMs: wire.timestampMs, uriForm: 'hubspot' }), host: 'evil.example' } }),
  },
  {
    name: 'it was signed for another backend over https and sent with proxy headers that name it',
    forge: (wire) => send(wire, { headers: { ...signatureHeaders({ secret: TEST_SECRET, method: wire.method, signedPath: wire.path, baseUrl: 'https://evil.example', body: wire.body ?? '', timestampMs: wire.timestampMs, uriForm: 'hubspot' }), host: 'evil.example', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'evil.example' } }),
  },
  { name: 'the signature was re-cased', forge: (wire) => send({ ...wire, headers: { ...wire.headers, 'X-HubSpot-Signature-v3': flipChar(wire.headers['X-HubSpot-Signature-v3']!) } }) },
  { name: 'the signature was truncated', forge: (wire) => send({ ...wire, headers: { ...wire.headers, 'X-HubSpot-Signature-v3': wire.headers['X-HubSpot-Signature-v3']!.slice(0, -2) } }) },
  {
    name: 'it is replayed after the five-minute window',
    forge: async (wire) => {
      harness.clock.set(new Date(wire.timestampMs + WINDOW_MS + 1).toISOString());
      try { return await send(wire); } finally { harness.clock.set(new Date(wire.timestampMs).toISOString()); }
    },
  },
  { name: 'its timestamp is more than five minutes ahead', forge: (wire) => send({ ...wire, headers: signatureHeaders({ secret: TEST_SECRET, method: wire.method, signedPath: wire.path, baseUrl: TEST_BASE_URL, body: wire.body ?? '', timestampMs: wire.timestampMs + WINDOW_MS + 1, uriForm: 'hubspot' }) }) },
  { name: 'its timestamp is in seconds, not milliseconds', forge: (wire) => send({ ...wire, headers: signatureHeaders({ secret: TEST_SECRET, method: wire.method, signedPath: wire.path, baseUrl: TEST_BASE_URL, body: wire.body ?? '', timestampMs: Math.floor(wire.timestampMs / 1000), uriForm: 'hubspot' }) }) },
  { name: 'the signature header is missing', forge: (wire) => send({ ...wire, headers: { 'X-HubSpot-Request-Timestamp': wire.headers['X-HubSpot-Request-Timestamp']! } }) },
  { name: 'the timestamp header is missing', forge: (wire) => send({ ...wire, headers: { 'X-HubSpot-Signature-v3': wire.headers['X-HubSpot-Signature-v3']! } }) },
  { name: 'both headers are missing', forge: (wire) => send({ ...wire, headers: {} }) },
  { name: 'the signature header is empty', forge: (wire) => send({ ...wire, headers: { ...wire.headers, 'X-HubSpot-Signature-v3': '' } }) },
  { name: 'only a valid v1 signature is given', forge: (wire) => send({ ...wire, headers: { 'X-HubSpot-Signature': legacySignature('v1', wire), 'X-HubSpot-Signature-Version': 'v1', 'X-HubSpot-Request-Timestamp': String(wire.timestampMs) } }) },
  { name: 'only a valid v2 signature is given', forge: (wire) => send({ ...wire, headers: { 'X-HubSpot-Signature': legacySignature('v2', wire), 'X-HubSpot-Signature-Version': 'v2', 'X-HubSpot-Request-Timestamp': String(wire.timestampMs) } }) },
  { name: 'a v2 signature sits in the v3 header', forge: (wire) => send({ ...wire, headers: { ...wire.headers, 'X-HubSpot-Signature-v3': legacySignature('v2', wire) } }) },
  {
    name: 'the identity moved from the query into the signed body',
    forge: (wire) => {
      const [path = '', query = ''] = wire.path.split('?');
      const identity = Object.fromEntries(new URLSearchParams(query));
      const body = JSON.stringify({ ...(wire.body ? JSON.parse(wire.body) as object : {}), ...identity });
      return send({ ...wire, path, body, headers: signatureHeaders({ secret: TEST_SECRET, method: wire.method, signedPath: path, baseUrl: TEST_BASE_URL, body, timestampMs: wire.timestampMs, uriForm: 'hubspot' }) });
    },
  },
];

async function tableFingerprints(): Promise<Record<string, string>> {
  const { db } = database();
  const tables = await db('information_schema.tables').where({ table_schema: 'public', table_type: 'BASE TABLE' }).pluck<string[]>('table_name');
  const fingerprints: Record<string, string> = {};
  for (const table of tables.sort()) {
    const { rows } = await db.raw<{ rows: { fingerprint: string | null; count: string }[] }>(`SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) AS fingerprint, count(*) AS count FROM "${table}" t`);
    fingerprints[table] = `${rows[0]?.count}:${rows[0]?.fingerprint}`;
  }
  return fingerprints;
}

describe('forged requests on every endpoint', () => {
  it.each(ENDPOINTS.map((endpoint) => [endpoint.name, endpoint] as const))('%s: every forgery is a 401 that reaches no handler; the genuine request gets through', async (_name, endpoint) => {
    const before = await tableFingerprints();
    resetUseCaseSpies();
    crmFor.mockClear();
    const queriesBefore = queries;

    for (const { name, forge } of FORGERIES) {
      const answer = await forge(genuine(endpoint));
      expect(answer.status, `${name}: ${answer.text}`).toBe(401);
      expect(answer.json, name).toMatchObject({ error: { code: 'unauthorized' } });
    }
    expect(useCasesCalled()).toEqual([]);
    expect(crmFor).not.toHaveBeenCalled();
    expect(queries - queriesBefore, 'SQL statements run for forged requests').toBe(0);
    expect(await tableFingerprints()).toEqual(before);

    // Sent with another Host and proxy headers, a request signed for this service still verifies: they name nothing.
    const wire = genuine(endpoint);
    const real = await send(wire, { headers: { ...wire.headers, host: 'elsewhere.example', 'x-forwarded-proto': 'https' } });
    expect(real.status, `the genuine request: ${real.text}`).not.toBe(401);
    expect(real.status).toBeLessThan(500);
    expect(useCasesCalled().length, 'the genuine request runs a use case').toBeGreaterThan(0);
  });

  it('a genuine request is accepted up to the edge of the window and refused one millisecond past it', async () => {
    const wire = genuine(ENDPOINTS.find((e) => e.name === 'card: inbox')!);
    harness.clock.set(new Date(wire.timestampMs + WINDOW_MS).toISOString());
    try {
      expect((await send(wire)).status).toBe(200);
      harness.clock.set(new Date(wire.timestampMs + WINDOW_MS + 1).toISOString());
      expect((await send(wire)).status).toBe(401);
      harness.clock.set(new Date(wire.timestampMs - WINDOW_MS).toISOString());
      expect((await send(wire)).status).toBe(200);
      harness.clock.set(new Date(wire.timestampMs - WINDOW_MS - 1).toISOString());
      expect((await send(wire)).status).toBe(401);
    } finally {
      harness.clock.set(new Date(wire.timestampMs).toISOString());
    }
  });

  it('neither the 401 answers nor the logs carry the secret or any signature that was sent', () => {
    const { errorBodies } = assertNoLeaks(harness, { databaseUrl: database().url, tokenShapes: true });
    expect(errorBodies).toBeGreaterThanOrEqual(ENDPOINTS.length * FORGERIES.length);
  });
});
