import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildTestApp, callApi } from '../support/app.js';
import { useTestDatabase } from '../support/db.js';
import { SALES_POLICY_SOURCE, seedDeal, seedPortal } from '../support/factories.js';

const database = useTestDatabase();

async function setup() {
  const { db } = database();
  const portal = await seedPortal(db, { admins: ['dealdesk@acme.example'] });
  const { app, clock } = buildTestApp(db);
  const call = (who: string, method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown) => callApi(app, clock, portal.as(who), method, path, body);
  return { db, portal, call };
}

describe('admin endpoints', () => {
  it('are forbidden to users who are neither the installer nor listed admins', async () => {
    const { call } = await setup();
    await call('noah', 'GET', '/api/v1/admin/policy').expect(403);
    await call('noah', 'PUT', '/api/v1/admin/flag', { flag: 'off' }).expect(403);
    await call('dealdesk', 'GET', '/api/v1/admin/policy').expect(200);
    await call('vp.sales', 'GET', '/api/v1/admin/policy').expect(200);
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
    const saved = await call('dealdesk', 'POST', '/api/v1/admin/policy/versions', { source }).expect(201);
    expect(saved.body.version).toMatchObject({ version: 2, isActive: false, createdBy: 'dealdesk@acme.example' });
    await call('dealdesk', 'POST', '/api/v1/admin/policy/versions', { source }).expect(200); // same document: no copy

    await call('dealdesk', 'POST', '/api/v1/admin/policy/versions/2/activate', { expectedActiveVersion: 5 }).expect(409);
    const activated = await call('dealdesk', 'POST', '/api/v1/admin/policy/versions/2/activate', { expectedActiveVersion: 1 }).expect(200);
    expect(activated.body).toMatchObject({ changed: true, version: { version: 2, isActive: true, activatedBy: 'dealdesk@acme.example' } });
    await call('dealdesk', 'POST', '/api/v1/admin/policy/versions/9/activate', {}).expect(404);

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
    const saved = await call('dealdesk', 'POST', '/api/v1/admin/policy/versions', { source }).expect(400);
    expect(saved.body.error.details[0].path).toBe('body.source: description[0]');
  });

  it('refuse to save an invalid policy, with the problems as field paths', async () => {
    const { call } = await setup();
    const response = await call('dealdesk', 'POST', '/api/v1/admin/policy/versions', { source: 'name: x\nroutes: []' }).expect(400);
    expect(response.body.error.details.length).toBeGreaterThan(0);
    await call('dealdesk', 'POST', '/api/v1/admin/policy/versions', { source: 42 }).expect(400);
  });

  it('set the feature flag, and the card follows it', async () => {
    const { call, portal } = await setup();
    await call('dealdesk', 'PUT', '/api/v1/admin/flag', { flag: 'shadow' }).expect(200, { flag: 'shadow', previous: 'on' });
    const dealId = await seedDeal(portal);
    const card = await call('noah', 'GET', `/api/v1/deals/${dealId}/card`).expect(200);
    expect(card.body.mode).toBe('shadow');
    const bad = await call('dealdesk', 'PUT', '/api/v1/admin/flag', { flag: 'maybe' }).expect(400);
    expect(bad.body.error.details[0].path).toBe('body.flag');
  });
});
