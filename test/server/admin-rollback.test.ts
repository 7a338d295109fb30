// A fresh install can roll back from the first minute: the default policy the app is installed with is the portal's
// first stable version. Installed through the real OAuth callback (HubSpot behind nock), administered over signed
// HTTP against a real Postgres.
import { readFileSync } from 'node:fs';
import nock from 'nock';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT_DETAILS_PATH } from '../../server/hubspot/account-info.js';
import { INTROSPECT_PATH, TOKEN_PATH } from '../../server/hubspot/oauth.js';
import { DEAL_PROPERTY_DEFINITIONS, PROPERTY_GROUP } from '../../server/hubspot/provision-properties.js';
import { IncidentListAnswer, PolicyOverview, RollbackAnswer } from '../../src/contract/settings-api.js';
import { buildTestApp, callApi, createClock, type ApiMethod } from '../support/app.js';
import { useTestDatabase } from '../support/db.js';
import { idempotencyKey } from '../support/factories.js';
import { buildOAuthTestApp, closeNetwork, HUBSPOT_API, introspectionAnswer, oauthEndpoint, propertyAnswer, tokenAnswer } from '../support/hubspot.js';

const database = useTestDatabase();
const PORTAL = 777190;
const INSTALLER = 'revops.admin@acme.example';
const CLIENT_SUCCESS_NAME = 'Acme client success';

beforeAll(closeNetwork);
afterEach(() => { nock.cleanAll(); });
afterAll(() => { nock.enableNetConnect(); });

/** Installs the app in a new portal as HubSpot's OAuth flow does, at the clock's time. */
async function install(now: () => Date) {
  const { app } = buildOAuthTestApp(database().db, { now });
  const started = await request(app).get('/oauth/install').expect(302);
  const state = new URL(started.headers.location!).searchParams.get('state')!;
  const token = 'CJSP-rollback-access-token';
  const standard = [propertyAnswer('dealname'), propertyAnswer('amount', 'number')];
  oauthEndpoint(TOKEN_PATH, (form) => form.code === 'code-rollback').once().reply(200, tokenAnswer(token));
  oauthEndpoint(INTROSPECT_PATH, (form) => form.token === token).once().reply(200, introspectionAnswer(token, PORTAL));
  nock(HUBSPOT_API).get(ACCOUNT_DETAILS_PATH).once().reply(200, { portalId: PORTAL, timeZone: 'Europe/Berlin' });
  nock(HUBSPOT_API)
    .get('/crm/v3/properties/deals/groups').reply(200, { results: [{ name: PROPERTY_GROUP, label: 'Approval router', displayOrder: -1, archived: false }] })
    .get('/crm/v3/properties/deals').query({ archived: 'false' })
    .reply(200, { results: [...standard, ...DEAL_PROPERTY_DEFINITIONS.map((d) => propertyAnswer(d.name, String(d.type), PROPERTY_GROUP))] });
  await request(app).get('/oauth/callback').query({ code: 'code-rollback', state }).expect(200);
}

describe('a fresh install', () => {
  it('rolls back to the default policy it was installed with', async () => {
    const { db } = database();
    const clock = createClock();
    await install(clock.now);
    const { app } = buildTestApp(db, { now: clock.now });
    const call = (method: ApiMethod, path: string, body?: unknown) => callApi(app, clock, { portalId: String(PORTAL), userId: '5151', email: INSTALLER }, method, path, body);

    const installed = PolicyOverview.parse((await call('GET', '/api/v1/admin/policy').expect(200)).body);
    expect(installed.active).toMatchObject({ version: 1, stableAt: clock.now().toISOString(), validatedAt: clock.now().toISOString() });
    expect(installed.rollbackTarget).toBeNull(); // the active version is the only stable one
    const nothingYet = await call('POST', '/api/v1/admin/policy/rollback', { reason: 'test', idempotencyKey: idempotencyKey(), expectedActiveVersion: 1 }).expect(409);
    expect(nothingYet.body.error.message).toContain('nothing to roll back to');

    clock.advanceHours(1);
    const source = readFileSync('examples/policies/client-success.yaml', 'utf8');
    await call('POST', '/api/v1/admin/policy/versions', { source, idempotencyKey: idempotencyKey(), expectedActiveVersion: 1 }).expect(201);
    await call('POST', '/api/v1/admin/policy/versions/2/activate', { expectedActiveVersion: 1, idempotencyKey: idempotencyKey(), override: true, reason: 'first edit' }).expect(200);
    const edited = PolicyOverview.parse((await call('GET', '/api/v1/admin/policy').expect(200)).body);
    expect(edited.active).toMatchObject({ version: 2, name: CLIENT_SUCCESS_NAME });
    expect(edited.rollbackTarget).toMatchObject({ version: 1, name: 'Acme deal desk' });

    clock.advanceHours(1);
    const stale = { reason: 'wrong approvers', idempotencyKey: idempotencyKey(), expectedActiveVersion: 1 };
    await call('POST', '/api/v1/admin/policy/rollback', stale).expect(409, /at version 2, not 1/);
    await call('POST', '/api/v1/admin/policy/rollback', { idempotencyKey: idempotencyKey(), expectedActiveVersion: 2 }).expect(400);
    const body = { reason: 'wrong approvers on renewals', idempotencyKey: idempotencyKey(), expectedActiveVersion: 2 };
    const rolled = RollbackAnswer.parse((await call('POST', '/api/v1/admin/policy/rollback', body).expect(200)).body);
    expect(rolled.active).toMatchObject({ version: 1, isActive: true, activatedBy: INSTALLER });
    expect(rolled.previous).toMatchObject({
      version: 2, isActive: false, rolledBackAt: clock.now().toISOString(), rolledBackBy: INSTALLER,
      rolledBackReason: `rolled back by ${INSTALLER}: wrong approvers on renewals`,
    });
    // A repeat of the same request answers the same and changes nothing.
    expect((await call('POST', '/api/v1/admin/policy/rollback', body).expect(200)).body).toEqual(rolled);

    const incidents = IncidentListAnswer.parse((await call('GET', '/api/v1/admin/incidents?kind=policy_rollback').expect(200)).body);
    expect(incidents.incidents).toEqual([expect.objectContaining({ id: rolled.incidentId, summary: `${INSTALLER} rolled policy version 2 back to version 1: wrong approvers on renewals` })]);
    const resolved = await call('POST', `/api/v1/admin/incidents/${rolled.incidentId}/resolve`, { note: 'renewal approvers fixed in version 3', idempotencyKey: idempotencyKey() }).expect(200);
    expect(resolved.body).toMatchObject({ changed: true, incident: { resolvedBy: INSTALLER, resolutionNote: 'renewal approvers fixed in version 3', resolvedAt: clock.now().toISOString() } });
    const again = await call('POST', `/api/v1/admin/incidents/${rolled.incidentId}/resolve`, { note: 'again', idempotencyKey: idempotencyKey() }).expect(200);
    expect(again.body).toMatchObject({ changed: false, incident: { resolutionNote: 'renewal approvers fixed in version 3' } });
    expect((await call('GET', '/api/v1/admin/incidents?state=open').expect(200)).body.incidents.map((i: { kind: string }) => i.kind)).toEqual(['gate_override']);

    const trace = await db('traces').where({ portal_id: String(PORTAL), kind: 'rollout' }).orderBy('seq', 'desc').first<{ input: string }>('input');
    expect(JSON.parse(trace.input)).toMatchObject({ command: 'rollback', by: INSTALLER, from: 2, to: 1, reason: 'wrong approvers on renewals' });
  });
});
