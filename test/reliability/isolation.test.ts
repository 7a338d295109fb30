// Tenant isolation under interleaving: two portals with the same deal ids, the same users (emails and user ids)
// and the same idempotency keys act at once, each through a generated story, and also try the other's request
// ids. Each portal must see exactly what it sees when it runs alone; every row either portal wrote carries its
// own portal id and none of the other's data; each trace chain verifies.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyChain } from '../../server/store/traces.js';
import type { Caller } from '../support/app.js';
import { useTestDatabase } from '../support/db.js';
import { idempotencyKey, seedDeal, seedPortal, type SeededPortal } from '../support/factories.js';
import { startHarness, type Answer, type Harness } from './support/harness.js';
import { assertNoLeaks } from './support/leak-scan.js';

const database = useTestDatabase();
const DEAL_IDS = ['4100', '4101', '4102', '4103'];
const KEYS = Array.from({ length: 10 }, (_, i) => `shared-key-${i}`);
const PEOPLE = ['noah', 'ben', 'bella', 'liam', 'dealdesk'] as const;

let harness: Harness;
beforeAll(async () => { harness = await startHarness(database().db); });
afterAll(async () => { await harness?.close(); });

type Op =
  | { kind: 'request'; deal: number; key: number; who: number }
  | { kind: 'decide'; target: 'mine' | 'theirs'; request: number; verdict: 'approve' | 'reject'; key: number; who: number }
  | { kind: 'withdraw'; target: 'mine' | 'theirs'; request: number; key: number; who: number }
  | { kind: 'view'; deal: number; who: number }
  | { kind: 'inbox'; who: number }
  | { kind: 'save policy' }
  | { kind: 'flag'; flag: 'on' | 'shadow' };

const who = fc.nat({ max: PEOPLE.length - 1 });
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('request' as const), deal: fc.nat({ max: DEAL_IDS.length - 1 }), key: fc.nat({ max: KEYS.length - 1 }), who }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('decide' as const), target: fc.constantFrom('mine' as const, 'theirs' as const), request: fc.nat(), verdict: fc.constantFrom('approve' as const, 'reject' as const), key: fc.nat({ max: KEYS.length - 1 }), who }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('withdraw' as const), target: fc.constantFrom('mine' as const, 'theirs' as const), request: fc.nat(), key: fc.nat({ max: KEYS.length - 1 }), who }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('view' as const), deal: fc.nat({ max: DEAL_IDS.length - 1 }), who }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('inbox' as const), who }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'save policy' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('flag' as const), flag: fc.constantFrom('on' as const, 'shadow' as const) }) },
);

interface Tenant {
  portal: SeededPortal;
  marker: string;
  /** Request ids this tenant created, in order. */
  requests: string[];
  answers: Answer[];
}

async function newTenant(marker: string): Promise<Tenant> {
  const portal = await seedPortal(database().db);
  for (const [i, id] of DEAL_IDS.entries()) {
    await seedDeal(portal, { dealname: `${marker} deal ${id}`, discount_percent: i % 2 === 0 ? '25' : '12', amount: i === 3 ? '600000' : '50000' }, id);
  }
  return { portal, marker, requests: [], answers: [] };
}

const pick = <T>(list: readonly T[], index: number): T | undefined => list[index % Math.max(list.length, 1)];
const NO_SUCH_REQUEST = '00000000-0000-4000-8000-000000000000';

/** Runs one op for a tenant and describes the outcome without ids, hashes or portal ids (so runs compare). */
async function run(tenant: Tenant, other: Tenant | undefined, action: Op): Promise<string> {
  const as = (index: number): Caller => tenant.portal.as(PEOPLE[index]!);
  const target = (kind: 'mine' | 'theirs', index: number) => (kind === 'mine' ? pick(tenant.requests, index) : pick(other?.requests ?? [], index)) ?? NO_SUCH_REQUEST;
  const key = (index: number) => KEYS[index]!;
  let answer: Answer;
  switch (action.kind) {
    case 'request':
      answer = await harness.call(as(action.who), 'POST', `/api/v1/deals/${DEAL_IDS[action.deal]}/requests`, { justification: `${tenant.marker} needs it`, idempotencyKey: key(action.key) });
      if (answer.status === 201 && answer.headers['idempotent-replayed'] === 'false') tenant.requests.push((answer.json as { request: { id: string } }).request.id);
      break;
    case 'decide':
      answer = await harness.call(as(action.who), 'POST', `/api/v1/requests/${target(action.target, action.request)}/decisions`, {
        verdict: action.verdict, comment: `${tenant.marker} says ${action.verdict}`, idempotencyKey: key(action.key),
      });
      break;
    case 'withdraw':
      answer = await harness.call(as(action.who), 'POST', `/api/v1/requests/${target(action.target, action.request)}/withdraw`, { reason: `${tenant.marker} withdraws`, idempotencyKey: key(action.key) });
      break;
    case 'view':
      answer = await harness.call(as(action.who), 'GET', `/api/v1/deals/${DEAL_IDS[action.deal]}/card`);
      break;
    case 'inbox':
      answer = await harness.call(as(action.who), 'GET', '/api/v1/inbox');
      break;
    case 'save policy':
      answer = await harness.call(tenant.portal.as('dealdesk'), 'POST', '/api/v1/admin/policy/versions', {
        source: `name: ${tenant.marker} policy\nscoring: { factors: [] }\nroutes: [{ id: auto, when: { always: true }, autoApprove: true }]`,
        idempotencyKey: idempotencyKey(), expectedActiveVersion: (await adminVersions(tenant)).activeVersion,
      });
      break;
    case 'flag':
      answer = await harness.call(tenant.portal.as('dealdesk'), 'PUT', '/api/v1/admin/flag', { flag: action.flag, idempotencyKey: idempotencyKey(), expectedVersion: (await adminVersions(tenant)).flagVersion });
      break;
  }
  tenant.answers.push(answer);
  return describeOutcome(action, answer);
}

/** The versions an admin's page shows for the tenant's own portal, which its writes name. */
async function adminVersions(tenant: Tenant): Promise<{ flagVersion: number; activeVersion: number | null }> {
  const [portal, active] = await Promise.all([
    harness.db('portals').where({ id: tenant.portal.portalId }).first<{ flag_version: number }>('flag_version'),
    harness.db('policy_versions').where({ portal_id: tenant.portal.portalId, is_active: true }).first<{ version: number } | undefined>('version'),
  ]);
  return { flagVersion: portal.flag_version, activeVersion: active?.version ?? null };
}

function describeOutcome(action: Op, answer: Answer): string {
  const body = answer.json as Record<string, unknown> | undefined;
  const request = body?.request as { state?: string; version?: number; currentStepIndex?: number | null } | null | undefined;
  switch (action.kind) {
    case 'view': {
      const viewer = body?.viewer as { roles?: string[] } | undefined;
      return `${answer.status} ${body?.dealName as string} ${request?.state ?? '-'} v${request?.version ?? '-'} ${viewer?.roles?.join(',')} ${JSON.stringify(body?.actions)} ${body?.mode as string}`;
    }
    case 'inbox':
      return `${answer.status} ${(body?.items as unknown[] | undefined)?.length}`;
    case 'save policy':
      return `${answer.status} ${(body?.version as { version?: number } | undefined)?.version}`;
    case 'flag':
      return `${answer.status} ${body?.previous as string}->${body?.flag as string}`;
    default:
      return `${answer.status} ${request?.state ?? (body?.error as { code?: string } | undefined)?.code} v${request?.version ?? '-'} step ${request?.currentStepIndex ?? '-'} replayed=${answer.headers['idempotent-replayed'] as string}`;
  }
}

async function runStory(tenant: Tenant, other: Tenant | undefined, story: Op[]): Promise<string[]> {
  const outcomes: string[] = [];
  for (const action of story) outcomes.push(await run(tenant, other, action));
  return outcomes;
}

/** Tables with a portal_id column, for the row checks. */
async function tenantTables(): Promise<string[]> {
  return database().db('information_schema.columns').where({ table_schema: 'public', column_name: 'portal_id' }).pluck<string[]>('table_name');
}

async function rowsCrossing(tenant: Tenant, other: Tenant): Promise<string[]> {
  const { db } = database();
  const problems: string[] = [];
  for (const table of await tenantTables()) {
    const { rows } = await db.raw<{ rows: { count: string }[] }>(`SELECT count(*) FROM "${table}" t WHERE t.portal_id = ? AND t::text LIKE ?`, [tenant.portal.portalId, `%${other.marker}%`]);
    if (Number(rows[0]?.count) > 0) problems.push(`${table}: ${rows[0]?.count} row(s) of ${tenant.marker} carry ${other.marker}'s data`);
  }
  // Rows that hang off a request carry that request's portal.
  for (const table of ['approval_steps', 'decisions', 'traces']) {
    const { rows } = await db.raw<{ rows: { count: string }[] }>(
      `SELECT count(*) FROM "${table}" t JOIN approval_requests r ON r.id = t.request_id WHERE r.portal_id <> t.portal_id AND ? IN (r.portal_id, t.portal_id)`,
      [tenant.portal.portalId],
    );
    if (Number(rows[0]?.count) > 0) problems.push(`${table}: ${rows[0]?.count} row(s) point at a request of another portal`);
  }
  return problems;
}

describe('two portals with the same deal ids, users and idempotency keys, acting at once', () => {
  it('each sees exactly what it sees alone, no row or answer crosses, and both trace chains verify', async () => {
    let runs = 0;
    await fc.assert(fc.asyncProperty(fc.array(op, { minLength: 6, maxLength: 16 }), fc.array(op, { minLength: 6, maxLength: 16 }), async (storyA, storyB) => {
      runs += 1;
      const a = await newTenant(`tenant-A-${runs}-marker`);
      const b = await newTenant(`tenant-B-${runs}-marker`);
      const [together, togetherB] = await Promise.all([runStory(a, b, storyA), runStory(b, a, storyB)]);

      const soloA = await newTenant(`tenant-A-${runs}-marker`);
      const soloB = await newTenant(`tenant-B-${runs}-marker`);
      expect(together, 'portal A interleaved vs alone').toEqual(await runStory(soloA, undefined, storyA));
      expect(togetherB, 'portal B interleaved vs alone').toEqual(await runStory(soloB, undefined, storyB));

      for (const [tenant, other] of [[a, b], [b, a]] as const) {
        for (const answer of tenant.answers) expect(answer.text.includes(other.marker), `an answer to ${tenant.marker} shows ${other.marker}: ${answer.text.slice(0, 300)}`).toBe(false);
        expect(await rowsCrossing(tenant, other)).toEqual([]);
        expect(await verifyChain(database().db, tenant.portal.portalId)).toMatchObject({ ok: true });
      }
    }), { numRuns: 6, endOnFailure: true });
  }, 120_000);

  it('the other portal\'s request id is a 404 for every act, even for the same user with the same key', async () => {
    const a = await newTenant('tenant-A-direct-marker');
    const b = await newTenant('tenant-B-direct-marker');
    const opened = await harness.call(a.portal.as('noah'), 'POST', `/api/v1/deals/${DEAL_IDS[0]}/requests`, { justification: 'A only', idempotencyKey: KEYS[0]! });
    const requestId = (opened.json as { request: { id: string } }).request.id;
    for (const person of PEOPLE) {
      const caller = b.portal.as(person);
      expect((await harness.call(caller, 'POST', `/api/v1/requests/${requestId}/decisions`, { verdict: 'approve', idempotencyKey: KEYS[1]! })).status).toBe(404);
      expect((await harness.call(caller, 'POST', `/api/v1/requests/${requestId}/withdraw`, { idempotencyKey: KEYS[2]! })).status).toBe(404);
    }
    // The same key in B is B's own: it opens B's request, it does not replay A's answer.
    const twin = await harness.call(b.portal.as('noah'), 'POST', `/api/v1/deals/${DEAL_IDS[0]}/requests`, { justification: 'A only', idempotencyKey: KEYS[0]! });
    expect(twin.status).toBe(201);
    expect(twin.headers['idempotent-replayed']).toBe('false');
    expect((twin.json as { request: { id: string } }).request.id).not.toBe(requestId);
    expect(await database().db('approval_requests').where({ id: requestId }).first()).toMatchObject({ state: 'pending', row_version: 1 });
  });

  it('no answer or log line leaks anything', () => {
    assertNoLeaks(harness, { databaseUrl: database().url, tokenShapes: true });
  });
});
