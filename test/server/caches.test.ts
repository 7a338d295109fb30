// What a service process keeps between requests (server/cache) is never older than the data: two app instances over
// one database, each with its own caches, stand for two service processes behind a load balancer.
import { describe, expect, it } from 'vitest';
import { CardView } from '../../src/contract/card-api.js';
import type { Directory } from '../../src/directory/schema.js';
import { DirectoryCache } from '../../server/cache/hubspot-directory.js';
import { PolicyDocumentCache } from '../../server/cache/policy-documents.js';
import { configVersion } from '../../server/store/portal-config.js';
import { markStable } from '../../server/store/rollout-versions.js';
import { buildTestApp, callApi, createClock, type ApiMethod } from '../support/app.js';
import { useTestDatabase } from '../support/db.js';
import { idempotencyKey, SALES_POLICY_SOURCE, seedDeal, seedPortal } from '../support/factories.js';

const database = useTestDatabase();

// Ava Stone (owner 101) sells in EMEA, where Anna Berg is the sales manager: a 25% discount routes to Anna alone.
const EMEA_DEAL = { hubspot_owner_id: '101', discount_percent: '25' };
const ANNA = 'anna.berg@acme.example';
const CRO = 'cro@acme.example';

/** Two service processes over one database: `one` takes the admin's writes, `other` serves the next card view. */
async function twoProcesses() {
  const { db } = database();
  const portal = await seedPortal(db, { admins: ['dealdesk@acme.example'] });
  const clock = createClock();
  const one = buildTestApp(db, { now: clock.now });
  const other = buildTestApp(db, { now: clock.now });
  const on = (app: typeof one) => (who: string, method: ApiMethod, path: string, body?: unknown) => callApi(app.app, clock, portal.as(who), method, path, body);
  const admin = on(one);
  const card = async (dealId: string, who = 'ava') => CardView.parse((await on(other)(who, 'GET', `/api/v1/deals/${dealId}/card`).expect(200)).body);
  const policy = async () => (await admin('dealdesk', 'GET', '/api/v1/admin/policy').expect(200)).body as { active: { version: number; source: string }; flagVersion: number };
  const dealId = await seedDeal(portal, EMEA_DEAL);
  await card(dealId); // `other` now holds the portal's configuration
  return { db, portal, clock, admin, card, policy, dealId, viewFromOther: on(other) };
}

describe('a portal\'s configuration, cached by each service process', () => {
  it('shows a feature flag set through another process on the next card view', async () => {
    const { admin, card, policy, dealId } = await twoProcesses();
    expect((await card(dealId)).mode).toBe('on');
    await admin('dealdesk', 'PUT', '/api/v1/admin/flag', { flag: 'shadow', idempotencyKey: idempotencyKey(), expectedVersion: (await policy()).flagVersion }).expect(200);
    const view = await card(dealId);
    expect(view.mode).toBe('shadow');
    expect(view.notices).toContain('shadow mode: a preview; nothing is written to the deal and no stage is gated');
    await admin('dealdesk', 'PUT', '/api/v1/admin/flag', { flag: 'off', idempotencyKey: idempotencyKey(), expectedVersion: (await policy()).flagVersion }).expect(200);
    expect(await card(dealId)).toMatchObject({ mode: 'off', actions: { request: false, withdraw: false, decide: false } });
  });

  it('shows the demo portal\'s people as changed through another process on the next card view', async () => {
    const { db, portal, card, dealId } = await twoProcesses();
    await db('portals').where({ id: portal.portalId }).update({ install_state: 'demo' });
    const approverNames = (view: CardView) => view.preview?.steps.flatMap((step) => step.approvers.map((approver) => approver.name)) ?? [];
    expect(approverNames(await card(dealId))).toContain('Anna Berg');
    const anna = portal.users.find((user) => user.email === ANNA)!;
    await portal.crm.upsertUser(portal.portalId, { ...anna, name: 'Anna Berg-Lund' });
    expect(approverNames(await card(dealId))).toContain('Anna Berg-Lund');
  });

  it('routes by a policy activated through another process on the next card view', async () => {
    const { admin, card, policy, dealId } = await twoProcesses();
    const before = await policy();
    const source = SALES_POLICY_SOURCE.replace(/name: .*/, 'name: Renamed desk policy').replace('{ from: 20, points: 35 }', '{ from: 20, points: 25 }');
    const saved = await admin('dealdesk', 'POST', '/api/v1/admin/policy/versions', { source, idempotencyKey: idempotencyKey(), expectedActiveVersion: before.active.version }).expect(201);
    const version = saved.body.version.version as number;
    expect((await card(dealId)).policy?.version).toBe(before.active.version); // saved, not yet active
    await admin('dealdesk', 'POST', `/api/v1/admin/policy/versions/${version}/activate`, { expectedActiveVersion: before.active.version, idempotencyKey: idempotencyKey() }).expect(200);
    const after = await card(dealId);
    expect(after.policy).toMatchObject({ version, name: 'Renamed desk policy' });
    expect(after.score?.factors.find((factor) => factor.id === 'discount')?.points).toBe(25);
  });

  it('routes to a delegate set through another process on the next card view, and back once it is revoked', async () => {
    const { admin, card, dealId } = await twoProcesses();
    const approvers = async () => (await card(dealId)).preview?.steps[0]?.approvers.map((approver) => approver.email);
    expect(await approvers()).toEqual([ANNA]);
    const guard = async () => ({ idempotencyKey: idempotencyKey(), expectedVersion: (await admin('dealdesk', 'GET', '/api/v1/admin/delegations').expect(200)).body.version as number });
    const set = await admin('dealdesk', 'POST', '/api/v1/admin/delegations', { from: ANNA, to: CRO, startsAt: '2026-11-27T08:00:00Z', endsAt: '2026-11-28T08:00:00Z', ...(await guard()) }).expect(201);
    expect(await approvers()).toEqual([CRO]);
    const { idempotencyKey: key, expectedVersion } = await guard();
    await admin('dealdesk', 'DELETE', `/api/v1/admin/delegations/${set.body.delegation.id as string}?${new URLSearchParams({ idempotencyKey: key, expectedVersion: String(expectedVersion) }).toString()}`).expect(200);
    expect(await approvers()).toEqual([ANNA]);
  });

  it('runs a candidate staged through another process in shadow on the next card view', async () => {
    const { db, portal, admin, card, policy, dealId } = await twoProcesses();
    const source = SALES_POLICY_SOURCE.replace('{ from: 20, points: 35 }', '{ from: 20, points: 25 }');
    const saved = await admin('dealdesk', 'POST', '/api/v1/admin/policy/versions', { source, idempotencyKey: idempotencyKey(), expectedActiveVersion: (await policy()).active.version }).expect(201);
    await admin('dealdesk', 'POST', `/api/v1/admin/policy/versions/${saved.body.version.version as number}/stage`, {}).expect(200);
    await card(dealId);
    expect(await db('policy_disagreements').where({ portal_id: portal.portalId, deal_id: dealId }).pluck('kinds')).toEqual([expect.arrayContaining(['score'])]);
  });

  it('sees changes made by hand in SQL: the flag, a delegation, the app uninstalled', async () => {
    const { db, portal, card, dealId, viewFromOther } = await twoProcesses();
    await db('portals').where({ id: portal.portalId }).update({ feature_flag: 'shadow' });
    expect((await card(dealId)).mode).toBe('shadow');
    await db('delegations').insert({
      id: '00000000-0000-4000-8000-000000000001', portal_id: portal.portalId, from_email: ANNA, to_email: CRO,
      starts_at: '2026-01-01T00:00:00.000Z', ends_at: '2027-12-31T00:00:00.000Z', created_by: 'test', created_at: '2026-01-01T00:00:00.000Z',
    });
    expect((await card(dealId)).preview?.steps[0]?.approvers.map((approver) => approver.email)).toEqual([CRO]);
    await db('portals').where({ id: portal.portalId }).update({ install_state: 'uninstalled' });
    await viewFromOther('ava', 'GET', `/api/v1/deals/${dealId}/card`).expect(404);
  });

  it('reads the delegations again for an instant before its copy was read (a window that has ended since still routes then)', async () => {
    const { db, portal, clock, card, dealId } = await twoProcesses();
    await db('delegations').insert({
      id: '00000000-0000-4000-8000-000000000002', portal_id: portal.portalId, from_email: ANNA, to_email: CRO,
      starts_at: '2026-01-01T00:00:00.000Z', ends_at: '2026-11-27T10:00:00.000Z', created_by: 'test', created_at: '2026-01-01T00:00:00.000Z',
    });
    clock.set('2026-11-27T11:00:00.000Z'); // the window has ended: the copy read now leaves it out
    expect((await card(dealId)).preview?.steps[0]?.approvers.map((approver) => approver.email)).toEqual([ANNA]);
    clock.set('2026-11-27T09:30:00.000Z'); // back inside the window
    expect((await card(dealId)).preview?.steps[0]?.approvers.map((approver) => approver.email)).toEqual([CRO]);
  });
});

describe('the configuration version', () => {
  it('moves on every write to the configuration, and only then', async () => {
    const { db } = database();
    const portal = await seedPortal(db);
    const version = () => configVersion(db, portal.portalId);
    const seen = [await version()];
    const moves = async (write: () => Promise<unknown>) => {
      await write();
      const now = await version();
      expect(seen).not.toContain(now);
      seen.push(now);
    };
    await moves(() => db('portals').where({ id: portal.portalId }).update({ settings: JSON.stringify({ admins: ['someone@acme.example'] }) }));
    await moves(() => db('policy_versions').where({ portal_id: portal.portalId }).update({ rolled_back_reason: 'by hand' }));
    await moves(() => db('delegations').insert({
      id: '00000000-0000-4000-8000-000000000003', portal_id: portal.portalId, from_email: ANNA, to_email: CRO,
      starts_at: '2026-01-01T00:00:00.000Z', ends_at: '2027-01-01T00:00:00.000Z', created_by: 'test', created_at: '2026-01-01T00:00:00.000Z',
    }));
    await moves(() => db('delegations').where({ portal_id: portal.portalId }).del());

    // Posture stamps a healthy version stable every minute: nothing the card shows, so no reload anywhere.
    const active = await db('policy_versions').where({ portal_id: portal.portalId, is_active: true }).first<{ id: string }>('id');
    await markStable(db, portal.portalId, String(active.id), '2026-11-27T09:00:00.000Z');
    expect(await version()).toBe(seen.at(-1));
  });

  it('never returns to a value a process may hold, even for a portal deleted and made again', async () => {
    const { db } = database();
    const portal = await seedPortal(db);
    const before = await configVersion(db, portal.portalId);
    await db('portals').where({ id: portal.portalId }).del();
    expect(await configVersion(db, portal.portalId)).toBeNull();
    await seedPortal(db, { portalId: portal.portalId });
    expect(await configVersion(db, portal.portalId)).not.toBe(before);
  });
});

describe('policy documents', () => {
  it('are immutable: the database refuses to change a version\'s document, so a copy is right for good', async () => {
    const { db } = database();
    const portal = await seedPortal(db);
    const active = await db('policy_versions').where({ portal_id: portal.portalId, is_active: true }).first<{ id: string }>('id');
    await expect(db('policy_versions').where({ id: active.id }).update({ document: JSON.stringify({ name: 'changed' }) })).rejects.toThrow(/immutable/);
    await expect(db('policy_versions').where({ id: active.id }).update({ hash: 'x' })).rejects.toThrow(/immutable/);
    const documents = new PolicyDocumentCache();
    const document = await documents.get(db, portal.portalId, String(active.id));
    expect(document?.name).toBe('Acme deal desk');
    expect(await documents.get(db, portal.portalId, String(active.id))).toBe(document);
    expect(await documents.get(db, portal.portalId, '999999999')).toBeNull();
    expect(await documents.get(db, '1', String(active.id))).toBeNull(); // another portal's version is not this one's
  });
});

describe('the HubSpot directory', () => {
  const directoryOf = (email: string): Directory => ({ users: [{ email, teams: ['NA'] }] });

  it('is asked again once its copy is a minute old; callers at the same time share one fetch', async () => {
    let now = 0;
    const cache = new DirectoryCache({ ttlMs: 60_000, clock: () => now });
    let fetches = 0;
    const fetch = (email: string) => () => { fetches += 1; return Promise.resolve(directoryOf(email)); };
    const [a, b] = await Promise.all([cache.get('1', fetch('first@acme.example')), cache.get('1', fetch('first@acme.example'))]);
    expect(fetches).toBe(1);
    expect(a).toBe(b);
    now = 59_999;
    expect((await cache.get('1', fetch('second@acme.example'))).users[0]?.email).toBe('first@acme.example');
    expect((await cache.get('2', fetch('other@acme.example'))).users[0]?.email).toBe('other@acme.example'); // per portal
    now = 60_000;
    expect((await cache.get('1', fetch('second@acme.example'))).users[0]?.email).toBe('second@acme.example');
  });

  it('keeps no failed fetch', async () => {
    const cache = new DirectoryCache();
    await expect(cache.get('1', () => Promise.reject(new Error('HubSpot is down')))).rejects.toThrow('HubSpot is down');
    expect(await cache.get('1', () => Promise.resolve(directoryOf('back@acme.example')))).toEqual(directoryOf('back@acme.example'));
  });
});
