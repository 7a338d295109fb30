import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildTestApp, callApi, captureApi, type ApiMethod } from '../support/app.js';
import { useTestDatabase } from '../support/db.js';
import { idempotencyKey, SALES_POLICY_SOURCE, seedDeal, seedPortal } from '../support/factories.js';

const database = useTestDatabase();

async function setup() {
  const { db } = database();
  const portal = await seedPortal(db, { admins: ['dealdesk@acme.example'] });
  const { app, clock } = buildTestApp(db);
  const call = (who: string, method: ApiMethod, path: string, body?: unknown) => callApi(app, clock, portal.as(who), method, path, body);
  const capture = (who: string, method: ApiMethod, path: string, body?: unknown) => captureApi(app, clock, portal.as(who), method, path, body);
  return { db, portal, clock, call, capture };
}

describe('admin endpoints', () => {
  it('are forbidden to users who are neither the installer nor listed admins', async () => {
    const { call } = await setup();
    await call('noah', 'GET', '/api/v1/admin/policy').expect(403);
    await call('noah', 'PUT', '/api/v1/admin/flag', { flag: 'off', idempotencyKey: idempotencyKey(), expectedVersion: 1 }).expect(403);
    await call('dealdesk', 'GET', '/api/v1/admin/policy').expect(200);
    await call('vp.sales', 'GET', '/api/v1/admin/policy').expect(200);
  });

  it('are forbidden to a signed userEmail that only looks like an admin\'s (a Kelvin sign for the k); ASCII case still folds', async () => {
    const { db } = database();
    const portal = await seedPortal(db, { admins: ['kim@acme.example'] });
    const { app, clock } = buildTestApp(db);
    const as = (email: string) => ({ portalId: portal.portalId, userId: '4242', email });
    await callApi(app, clock, as('\u212Aim@acme.example'), 'GET', '/api/v1/admin/policy').expect(403);
    await callApi(app, clock, as('KIM@Acme.Example'), 'GET', '/api/v1/admin/policy').expect(200);
    await callApi(app, clock, as('kim@acme.example'), 'GET', '/api/v1/admin/policy').expect(200);
  });

  it('validate a candidate and report every problem with its path', async () => {
    const { call } = await setup();
    const broken = SALES_POLICY_SOURCE.replace('id: standard', 'id: executive').replace('role: sales_manager }, mode: any, slaHours: 24 }', 'role: nobody }, mode: any, slaHours: 24 }');
    const response = await call('dealdesk', 'POST', '/api/v1/admin/policy/validate', { source: broken }).expect(200);
    expect(response.body.valid).toBe(false);
    const paths = (response.body.problems as { path: string }[]).map((p) => p.path);
    expect(paths).toEqual(expect.arrayContaining(['routes[2].id', 'routes[0].steps[0].approvers.role']));
    const ok = await call('dealdesk', 'POST', '/api/v1/admin/policy/validate', { source: SALES_POLICY_SOURCE }).expect(200);
    expect(ok.body).toMatchObject({ valid: true, name: 'Acme deal desk', problems: [] });
  });

  it('save a new version, activate it (recording who), and refuse a stale activation with 409', async () => {
    const { call, portal } = await setup();
    const source = readFileSync('examples/policies/client-success.yaml', 'utf8');
    const save = () => ({ source, idempotencyKey: idempotencyKey(), expectedActiveVersion: 1 });
    const saved = await call('dealdesk', 'POST', '/api/v1/admin/policy/versions', save()).expect(201);
    expect(saved.body.version).toMatchObject({ version: 2, isActive: false, createdBy: 'dealdesk@acme.example' });
    await call('dealdesk', 'POST', '/api/v1/admin/policy/versions', save()).expect(200); // same document: no copy

    const activate = (expectedActiveVersion: number | null) => ({ expectedActiveVersion, idempotencyKey: idempotencyKey() });
    await call('dealdesk', 'POST', '/api/v1/admin/policy/versions/2/activate', activate(5)).expect(409);
    await call('dealdesk', 'POST', '/api/v1/admin/policy/versions/2/activate', activate(null)).expect(409);
    const activated = await call('dealdesk', 'POST', '/api/v1/admin/policy/versions/2/activate', activate(1)).expect(200);
    expect(activated.body).toMatchObject({ changed: true, version: { version: 2, isActive: true, activatedBy: 'dealdesk@acme.example' } });
    await call('dealdesk', 'POST', '/api/v1/admin/policy/versions/9/activate', activate(2)).expect(404);

    const overview = await call('dealdesk', 'GET', '/api/v1/admin/policy').expect(200);
    expect(overview.body.active.version).toBe(2);
    expect(overview.body.versions.map((v: { version: number }) => v.version)).toEqual([2, 1]);

    const dealId = await seedDeal(portal);
    const card = await call('noah', 'GET', `/api/v1/deals/${dealId}/card`).expect(200);
    expect(card.body.policy).toMatchObject({ version: 2 });
  });

  it('report a YAML alias that refers to its own node as a problem, on validate and on save', async () => {
    const { call } = await setup();
    const source = `description: &d [*d]\n${SALES_POLICY_SOURCE.replace(/^description:.*$/m, '')}`;
    const validated = await call('dealdesk', 'POST', '/api/v1/admin/policy/validate', { source }).expect(200);
    expect(validated.body).toMatchObject({ valid: false, problems: [{ path: 'description[0]', message: expect.stringMatching(/refers to a node that contains it/) }] });
    const saved = await call('dealdesk', 'POST', '/api/v1/admin/policy/versions', { source, idempotencyKey: idempotencyKey(), expectedActiveVersion: 1 }).expect(400);
    expect(saved.body.error.details[0].path).toBe('body.source: description[0]');
  });

  it('refuse to save an invalid policy, with the problems as field paths', async () => {
    const { call } = await setup();
    const response = await call('dealdesk', 'POST', '/api/v1/admin/policy/versions', { source: 'name: x\nroutes: []', idempotencyKey: idempotencyKey(), expectedActiveVersion: 1 }).expect(400);
    expect(response.body.error.details.length).toBeGreaterThan(0);
    await call('dealdesk', 'POST', '/api/v1/admin/policy/versions', { source: 42, idempotencyKey: idempotencyKey(), expectedActiveVersion: 1 }).expect(400);
    // Without a key or the version the edit was made against, nothing is saved.
    const unguarded = await call('dealdesk', 'POST', '/api/v1/admin/policy/versions', { source: SALES_POLICY_SOURCE }).expect(400);
    expect(unguarded.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['body.expectedActiveVersion', 'body.idempotencyKey']);
  });

  it('set the feature flag, and the card follows it', async () => {
    const { call, portal } = await setup();
    expect((await call('dealdesk', 'GET', '/api/v1/admin/policy').expect(200)).body).toMatchObject({ featureFlag: 'on', flagVersion: 1 });
    await call('dealdesk', 'PUT', '/api/v1/admin/flag', { flag: 'shadow', idempotencyKey: idempotencyKey(), expectedVersion: 1 }).expect(200, { flag: 'shadow', previous: 'on', version: 2 });
    expect((await call('dealdesk', 'GET', '/api/v1/admin/policy').expect(200)).body).toMatchObject({ featureFlag: 'shadow', flagVersion: 2 });
    const dealId = await seedDeal(portal);
    const card = await call('noah', 'GET', `/api/v1/deals/${dealId}/card`).expect(200);
    expect(card.body.mode).toBe('shadow');
    const bad = await call('dealdesk', 'PUT', '/api/v1/admin/flag', { flag: 'maybe', idempotencyKey: idempotencyKey(), expectedVersion: 2 }).expect(400);
    expect(bad.body.error.details[0].path).toBe('body.flag');
    const unguarded = await call('dealdesk', 'PUT', '/api/v1/admin/flag', { flag: 'off' }).expect(400);
    expect(unguarded.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['body.expectedVersion', 'body.idempotencyKey']);
  });
});

describe('an admin write captured and replayed while its signature holds', () => {
  const flagNow = async (call: Awaited<ReturnType<typeof setup>>['call']) => (await call('dealdesk', 'GET', '/api/v1/admin/policy').expect(200)).body as { featureFlag: string; flagVersion: number };

  it('PUT /admin/flag {off}, replayed after the flag was set back on, answers as the first time and changes nothing', async () => {
    const { db, portal, clock, call, capture } = await setup();
    const captured = capture('dealdesk', 'PUT', '/api/v1/admin/flag', { flag: 'off', idempotencyKey: idempotencyKey(), expectedVersion: 1 });
    const first = await captured().expect(200);
    expect(first.body).toEqual({ flag: 'off', previous: 'on', version: 2 });
    await call('dealdesk', 'PUT', '/api/v1/admin/flag', { flag: 'on', idempotencyKey: idempotencyKey(), expectedVersion: 2 }).expect(200, { flag: 'on', previous: 'off', version: 3 });

    clock.advanceHours(0.05); // three minutes: the signature still holds
    const replayed = await captured().expect(200);
    expect(replayed.body).toEqual(first.body);
    expect(await flagNow(call)).toMatchObject({ featureFlag: 'on', flagVersion: 3 });
    expect(await db('traces').where({ portal_id: portal.portalId, kind: 'flag' }).count<{ count: string }[]>('* as count')).toEqual([{ count: '2' }]);
  });

  it('the same change sent again under a new key, against the version it was made on, is a 409 that changes nothing', async () => {
    const { call } = await setup();
    await call('dealdesk', 'PUT', '/api/v1/admin/flag', { flag: 'off', idempotencyKey: idempotencyKey(), expectedVersion: 1 }).expect(200);
    await call('dealdesk', 'PUT', '/api/v1/admin/flag', { flag: 'on', idempotencyKey: idempotencyKey(), expectedVersion: 2 }).expect(200);
    const stale = await call('dealdesk', 'PUT', '/api/v1/admin/flag', { flag: 'off', idempotencyKey: idempotencyKey(), expectedVersion: 1 }).expect(409);
    expect(stale.body.error.message).toBe('the feature flag is at version 3, not 1: reload and try again');
    expect(await flagNow(call)).toMatchObject({ featureFlag: 'on', flagVersion: 3 });
  });

  it('a key already used for another write is refused, not replayed', async () => {
    const { call } = await setup();
    const key = idempotencyKey();
    await call('dealdesk', 'PUT', '/api/v1/admin/flag', { flag: 'off', idempotencyKey: key, expectedVersion: 1 }).expect(200);
    await call('dealdesk', 'PUT', '/api/v1/admin/flag', { flag: 'on', idempotencyKey: key, expectedVersion: 2 }).expect(409, /already used for a different action/);
    await call('dealdesk', 'POST', '/api/v1/admin/policy/versions/1/activate', { expectedActiveVersion: 1, idempotencyKey: key }).expect(409, /already used for a different action/);
    expect(await flagNow(call)).toMatchObject({ featureFlag: 'off', flagVersion: 2 });
  });

  it('activating a version, replayed after another was activated, answers as the first time and leaves the other active', async () => {
    const { call, capture } = await setup();
    const source = readFileSync('examples/policies/client-success.yaml', 'utf8');
    await call('dealdesk', 'POST', '/api/v1/admin/policy/versions', { source, idempotencyKey: idempotencyKey(), expectedActiveVersion: 1 }).expect(201);
    const captured = capture('dealdesk', 'POST', '/api/v1/admin/policy/versions/2/activate', { expectedActiveVersion: 1, idempotencyKey: idempotencyKey() });
    const first = await captured().expect(200);
    await call('dealdesk', 'POST', '/api/v1/admin/policy/versions/1/activate', { expectedActiveVersion: 2, idempotencyKey: idempotencyKey() }).expect(200);

    expect((await captured().expect(200)).body).toEqual(first.body);
    expect((await call('dealdesk', 'GET', '/api/v1/admin/policy').expect(200)).body.active.version).toBe(1);
  });

  it('saving a version, replayed, answers as the first time; a save against an active version that moved on is a 409', async () => {
    const { db, portal, call, capture } = await setup();
    const source = readFileSync('examples/policies/client-success.yaml', 'utf8');
    const captured = capture('dealdesk', 'POST', '/api/v1/admin/policy/versions', { source, idempotencyKey: idempotencyKey(), expectedActiveVersion: 1 });
    const first = await captured().expect(201);
    await call('dealdesk', 'POST', '/api/v1/admin/policy/versions/2/activate', { expectedActiveVersion: 1, idempotencyKey: idempotencyKey() }).expect(200);
    const replayed = await captured().expect(201);
    expect(replayed.body).toEqual(first.body);

    const edited = SALES_POLICY_SOURCE.replace('name: Acme deal desk', 'name: Acme edited on an old page');
    await call('dealdesk', 'POST', '/api/v1/admin/policy/versions', { source: edited, idempotencyKey: idempotencyKey(), expectedActiveVersion: 1 }).expect(409, /the active policy is at version 2, not 1/);
    expect(await db('policy_versions').where({ portal_id: portal.portalId }).pluck('version')).toHaveLength(2);
  });
});
