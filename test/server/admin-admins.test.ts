// Who administers the app in a portal, checked on every admin call: the installer, the admins its settings name,
// and the portal's HubSpot super admins, read through the real @hubspot/api-client (HubSpot behind nock) and kept
// for five minutes. A failed read keeps the last good list for an hour and never makes anyone an admin. The card's
// admin role follows the same rule.
import { Client } from '@hubspot/api-client';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HubSpotCrm } from '../../server/hubspot/hubspot-crm.js';
import type { Crm } from '../../server/crm/crm.js';
import { CardView } from '../../src/contract/card-api.js';
import { AdminsAnswer } from '../../src/contract/settings-api.js';
import { buildTestApp, callApi, type ApiMethod } from '../support/app.js';
import { useTestDatabase } from '../support/db.js';
import { seedDeal, seedPortal } from '../support/factories.js';
import { closeNetwork, HUBSPOT_API } from '../support/hubspot.js';

const database = useTestDatabase();
const TOKEN = 'CJSP-admins-access-token';
const bearer = { reqheaders: { authorization: `Bearer ${TOKEN}` } };

beforeAll(closeNetwork);
afterEach(() => { nock.cleanAll(); });
afterAll(() => { nock.enableNetConnect(); });

const user = (id: string, email: string, superAdmin: boolean) => ({ id, email, superAdmin, roleIds: [], secondaryTeamIds: [] });

/** HubSpot's users, over two pages: Noah is a super admin, Mia is not. */
function serveUsers() {
  return nock(HUBSPOT_API, bearer)
    .get('/settings/v3/users/').query({ limit: '100' }).once()
    .reply(200, { results: [user('1', 'Noah.King@acme.example', true), user('2', 'mia.wong@acme.example', false)], paging: { next: { after: '2', link: '?after=2' } } })
    .get('/settings/v3/users/').query({ limit: '100', after: '2' }).once()
    .reply(200, { results: [user('3', 'cfo@acme.example', true)] });
}

describe('who administers a portal', () => {
  it('includes its HubSpot super admins, read on an admin call and kept for five minutes', async () => {
    const { db } = database();
    const portal = await seedPortal(db, { admins: ['dealdesk@acme.example'] });
    const crm = new HubSpotCrm({ clientFor: () => Promise.resolve(new Client({ accessToken: TOKEN })), now: () => new Date('2026-11-27T09:00:00.000Z') });
    const { app, clock } = buildTestApp(db, { crmFor: () => crm });
    const call = (who: string, method: ApiMethod, path: string) => callApi(app, clock, portal.as(who), method, path);

    // The installer and the listed admin are admins without asking HubSpot.
    await call('dealdesk', 'GET', '/api/v1/admin/policy').expect(200);
    await call('vp.sales', 'GET', '/api/v1/admin/policy').expect(200);

    const users = serveUsers();
    await call('noah', 'GET', '/api/v1/admin/policy').expect(200);
    expect(users.isDone()).toBe(true);
    const admins = AdminsAnswer.parse((await call('noah', 'GET', '/api/v1/admin/admins').expect(200)).body);
    expect(admins).toEqual({
      installedBy: 'vp.sales@acme.example', listed: ['dealdesk@acme.example'], superAdmins: ['cfo@acme.example', 'noah.king@acme.example'],
      superAdminsReadAt: clock.now().toISOString(), superAdminsError: null,
    });

    // Past five minutes HubSpot is asked again; it refuses (a missing scope): the last good list holds for the hour.
    clock.advanceHours(0.1);
    const refused = nock(HUBSPOT_API, bearer).get('/settings/v3/users/').query(true).reply(403, { status: 'error', message: 'This app hasn\'t been granted all required scopes', category: 'MISSING_SCOPES' });
    await call('noah', 'GET', '/api/v1/admin/policy').expect(200);
    expect(refused.isDone()).toBe(true);

    // An hour on, still refused: nobody is a super admin, and the page says why.
    clock.advanceHours(1);
    nock(HUBSPOT_API, bearer).get('/settings/v3/users/').query(true).reply(403, { status: 'error', message: 'This app hasn\'t been granted all required scopes', category: 'MISSING_SCOPES' });
    await call('noah', 'GET', '/api/v1/admin/policy').expect(403);
    const after = AdminsAnswer.parse((await call('dealdesk', 'GET', '/api/v1/admin/admins').expect(200)).body);
    expect(after).toMatchObject({ superAdmins: [], superAdminsReadAt: clock.now().toISOString(), superAdminsError: expect.stringMatching(/users read/) });
  });

  it('refuses someone who is neither listed nor a super admin', async () => {
    const { db } = database();
    const portal = await seedPortal(db, { admins: ['dealdesk@acme.example'] });
    const crm = new HubSpotCrm({ clientFor: () => Promise.resolve(new Client({ accessToken: TOKEN })), now: () => new Date('2026-11-27T09:00:00.000Z') });
    const { app, clock } = buildTestApp(db, { crmFor: () => crm });
    const users = serveUsers();
    await callApi(app, clock, portal.as('mia'), 'GET', '/api/v1/admin/policy').expect(403);
    await callApi(app, clock, portal.as('mia'), 'GET', '/api/v1/admin/incidents').expect(403);
    expect(users.isDone()).toBe(true);
  });

  it('gives a super admin the admin role on the card, from the kept list, without asking HubSpot on every view', async () => {
    const { db } = database();
    const portal = await seedPortal(db, { admins: ['dealdesk@acme.example'] });
    const dealId = await seedDeal(portal, { discount_percent: '25' });
    // The deal and the people from the portal's local CRM; the super admins from HubSpot (on nock), counted.
    const hubspot = new HubSpotCrm({ clientFor: () => Promise.resolve(new Client({ accessToken: TOKEN })), now: () => new Date('2026-11-27T09:00:00.000Z') });
    const local = portal.crm;
    let reads = 0;
    const crm: Crm = {
      getDeal: (...args) => local.getDeal(...args), getDirectory: (portalId) => local.getDirectory(portalId),
      addNote: (portalId, dealId, body) => local.addNote(portalId, dealId, body), addTask: (...args) => local.addTask(...args),
      completeTask: (...args) => local.completeTask(...args), updateDeals: (...args) => local.updateDeals(...args),
      getSuperAdmins: (portalId) => { reads += 1; return hubspot.getSuperAdmins(portalId); },
    };
    const { app, clock } = buildTestApp(db, { crmFor: () => crm });
    const roles = async (who: string) => CardView.parse((await callApi(app, clock, portal.as(who), 'GET', `/api/v1/deals/${dealId}/card`).expect(200)).body).viewer.roles;

    expect(await roles('dealdesk')).toContain('admin'); // listed: HubSpot is not asked
    expect(reads).toBe(0);
    const users = serveUsers();
    expect(await roles('noah')).toContain('admin');
    expect(users.isDone()).toBe(true);
    expect(await roles('noah')).toContain('admin');
    expect(await roles('mia')).not.toContain('admin');
    expect(reads).toBe(1);

    // Past five minutes the list is read again, once.
    clock.advanceHours(0.1);
    serveUsers();
    expect(await roles('noah')).toContain('admin');
    expect(await roles('mia')).not.toContain('admin');
    expect(reads).toBe(2);
  });
});
