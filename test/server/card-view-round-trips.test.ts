// The card view is the hottest read, and a change made anywhere (this process, another one, or SQL by hand) is seen
// by the very next view.
import { describe, expect, it } from 'vitest';
import { CardView } from '../../src/contract/card-api.js';
import { buildTestApp, callApi } from '../support/app.js';
import { useTestDatabase } from '../support/db.js';
import { idempotencyKey, seedDeal, seedPortal } from '../support/factories.js';

const database = useTestDatabase();

async function setup() {
  const { db } = database();
  const portal = await seedPortal(db, { flag: 'on' });
  const { app, clock } = buildTestApp(db);
  const call = (who: string, method: 'GET' | 'POST', path: string, body?: unknown) => callApi(app, clock, portal.as(who), method, path, body);
  const dealId = await seedDeal(portal, { discount_percent: '25', payment_terms: 'net_60' });
  const view = async (who = 'noah') => CardView.parse((await call(who, 'GET', `/api/v1/deals/${dealId}/card`).expect(200)).body);
  return { db, portal, app, clock, call, dealId, view };
}

describe('the card view\'s round trips', () => {
  it('sees a feature flag changed by SQL behind the service\'s back on the very next view', async () => {
    const { db, portal, view } = await setup();
    expect((await view()).mode).toBe('on');
    await db('portals').where({ id: portal.portalId }).update({ feature_flag: 'shadow' });
    expect((await view()).mode).toBe('shadow');
  });

  it('sees a policy activated through another service instance on the very next view', async () => {
    const { db, portal, view, clock } = await setup();
    const before = await view();
    const other = buildTestApp(db).app;
    const admin = portal.as('dealdesk');
    const current = await callApi(other, clock, admin, 'GET', '/api/v1/admin/policy').expect(200);
    const source = String(current.body.active.source).replace(/name: .*/, 'name: Renamed desk policy');
    const saved = await callApi(other, clock, admin, 'POST', '/api/v1/admin/policy/versions', { source, idempotencyKey: idempotencyKey(), expectedActiveVersion: current.body.active.version }).expect(201);
    await callApi(other, clock, admin, 'POST', `/api/v1/admin/policy/versions/${saved.body.version.version}/activate`, { expectedActiveVersion: before.policy?.version, idempotencyKey: idempotencyKey() }).expect(200);
    const after = await view();
    expect(after.policy).toMatchObject({ version: saved.body.version.version, name: 'Renamed desk policy' });
  });

  it('sees a delegation added by SQL on the very next view', async () => {
    const { db, portal, view } = await setup();
    const before = await view();
    const approver = before.preview?.steps[0]?.approvers[0]?.email;
    expect(approver).toBeDefined();
    await db('delegations').insert({
      id: '00000000-0000-4000-8000-000000000001', portal_id: portal.portalId, from_email: approver, to_email: 'mia.wong@acme.example',
      starts_at: '2026-01-01T00:00:00.000Z', ends_at: '2027-12-31T00:00:00.000Z', created_by: 'test', created_at: '2026-01-01T00:00:00.000Z',
    });
    const after = await view();
    expect(after.preview?.steps[0]?.approvers.map((a) => a.email)).toContain('mia.wong@acme.example');
  });

  it('reads the delegations again for an instant before its copy was read (a window that has ended since still routes then)', async () => {
    const { db, portal, view, clock } = await setup();
    const approver = (await view()).preview?.steps[0]?.approvers[0]?.email;
    await db('delegations').insert({
      id: '00000000-0000-4000-8000-000000000002', portal_id: portal.portalId, from_email: approver, to_email: 'mia.wong@acme.example',
      starts_at: '2026-01-01T00:00:00.000Z', ends_at: '2026-11-27T10:00:00.000Z', created_by: 'test', created_at: '2026-01-01T00:00:00.000Z',
    });
    clock.set('2026-11-27T11:00:00.000Z'); // the window has ended: the copy read now leaves it out
    expect((await view()).preview?.steps[0]?.approvers.map((a) => a.email)).not.toContain('mia.wong@acme.example');
    clock.set('2026-11-27T09:30:00.000Z'); // back inside the window
    expect((await view()).preview?.steps[0]?.approvers.map((a) => a.email)).toContain('mia.wong@acme.example');
  });
});
