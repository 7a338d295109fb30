import nock from 'nock';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT_DETAILS_PATH } from '../../../server/hubspot/account-info.js';
import { connectHubSpot } from '../../../server/hubspot/connect.js';
import { INTROSPECT_PATH, TOKEN_PATH } from '../../../server/hubspot/oauth.js';
import { stateKey, verifyState } from '../../../server/hubspot/oauth-state.js';
import { DEAL_PROPERTY_DEFINITIONS, PROPERTY_GROUP } from '../../../server/hubspot/provision-properties.js';
import { TokenCipher } from '../../../server/hubspot/token-crypto.js';
import { activePolicy, listPolicyVersions } from '../../../server/store/policies.js';
import { findPortal } from '../../../server/store/portals.js';
import { createClock } from '../../support/app.js';
import { useTestDatabase } from '../../support/db.js';
import {
  buildOAuthTestApp, CLIENT_ID, CLIENT_SECRET, closeNetwork, HUBSPOT_API, hubspotConfig, KEYS,
  introspectionAnswer, oauthEndpoint, propertyAnswer, tokenAnswer,
} from '../../support/hubspot.js';

const database = useTestDatabase();
const REDIRECT_URI = 'https://approvals.example.com/oauth/callback';

beforeAll(closeNetwork);
afterEach(() => { nock.cleanAll(); });
afterAll(() => { nock.enableNetConnect(); });

/** Starts an install and returns the state HubSpot would hand back. */
async function startInstall(app: Parameters<typeof request>[0]): Promise<string> {
  const res = await request(app).get('/oauth/install').expect(302);
  return new URL(res.headers.location!).searchParams.get('state')!;
}

function nockExchange(code: string, accessToken: string, portalId: number, refreshToken = `refresh-for-${portalId}`) {
  return [
    oauthEndpoint(TOKEN_PATH, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, client_id: CLIENT_ID, client_secret: CLIENT_SECRET })
      .once()
      .reply(200, tokenAnswer(accessToken, refreshToken)),
    oauthEndpoint(INTROSPECT_PATH, { client_id: CLIENT_ID, client_secret: CLIENT_SECRET, token: accessToken, token_type_hint: 'access_token' })
      .once()
      .reply(200, introspectionAnswer(accessToken, portalId)),
  ];
}

/** The account's settings: its time zone, read with the portal's fresh token. */
function nockAccountDetails(accessToken: string, portalId: number, timeZone = 'Europe/Berlin') {
  return nock(HUBSPOT_API, { reqheaders: { authorization: `Bearer ${accessToken}` } })
    .get(ACCOUNT_DETAILS_PATH)
    .once()
    .reply(200, { portalId, timeZone, companyCurrency: 'EUR', utcOffset: '+01:00', utcOffsetMilliseconds: 3_600_000, uiDomain: 'app-eu1.hubspot.com', dataHostingLocation: 'eu1' });
}

/** The portal's property state on HubSpot's side: before the first install nothing of ours exists. */
function nockProvisioning(accessToken: string, ours: 'absent' | 'present') {
  const bearer = { reqheaders: { authorization: `Bearer ${accessToken}` } };
  const standard = [propertyAnswer('dealname'), propertyAnswer('amount', 'number')];
  const scope = nock(HUBSPOT_API, bearer)
    .get('/crm/v3/properties/deals/groups')
    .reply(200, { results: [{ name: 'dealinformation', label: 'Deal information', displayOrder: 0, archived: false },
      ...(ours === 'present' ? [{ name: PROPERTY_GROUP, label: 'Approval router', displayOrder: -1, archived: false }] : [])] })
    .get('/crm/v3/properties/deals')
    .query({ archived: 'false' })
    .reply(200, { results: ours === 'present'
      ? [...standard, ...DEAL_PROPERTY_DEFINITIONS.map((d) => propertyAnswer(d.name, String(d.type), PROPERTY_GROUP))]
      : standard });
  if (ours === 'absent') {
    scope.post('/crm/v3/properties/deals/groups', { name: PROPERTY_GROUP, label: 'Approval router', displayOrder: -1 })
      .once()
      .reply(201, { name: PROPERTY_GROUP, label: 'Approval router', displayOrder: -1, archived: false })
      .post('/crm/v3/properties/deals/batch/create', (body: { inputs: { name: string; groupName: string }[] }) =>
        body.inputs.length === 7 && body.inputs.every((input) => input.groupName === PROPERTY_GROUP))
      .once()
      .reply(201, { status: 'COMPLETE', results: DEAL_PROPERTY_DEFINITIONS.map((d) => propertyAnswer(d.name, String(d.type), PROPERTY_GROUP)), startedAt: '2026-11-27T09:00:00Z', completedAt: '2026-11-27T09:00:01Z' });
  }
  return scope;
}

describe('GET /oauth/install', () => {
  it('redirects to HubSpot\'s consent screen with the app\'s scopes, redirect URL and a state that verifies', async () => {
    const { app } = buildOAuthTestApp(database().db);
    const res = await request(app).get('/oauth/install').expect(302);
    const target = new URL(res.headers.location!);
    expect(target.origin + target.pathname).toBe('https://app.hubspot.com/oauth/authorize');
    expect(target.searchParams.get('client_id')).toBe(CLIENT_ID);
    expect(target.searchParams.get('redirect_uri')).toBe(REDIRECT_URI);
    expect(target.searchParams.get('scope')?.split(' ')).toEqual(hubspotConfig().HUBSPOT_SCOPES.split(' '));
    expect(target.searchParams.get('scope')).toContain('crm.schemas.deals.write');
    const check = verifyState(stateKey(CLIENT_SECRET), target.searchParams.get('state') ?? undefined, new Date());
    expect(check.ok).toBe(true);
    expect(verifyState(stateKey('another-secret-entirely'), target.searchParams.get('state') ?? undefined, new Date())).toMatchObject({ ok: false, reason: 'bad_signature' });
  });

  it('answers a clear 503 page when HubSpot is not configured (the service itself still runs)', async () => {
    const config = hubspotConfig({ HUBSPOT_CLIENT_ID: '', TOKEN_ENCRYPTION_KEYS: '' });
    const { app } = buildOAuthTestApp(database().db, { config });
    for (const path of ['/oauth/install', '/oauth/callback?code=x&state=y']) {
      const res = await request(app).get(path).expect(503).expect('content-type', /text\/html/);
      expect(res.text).toContain('HubSpot is not configured');
      expect(res.text).toContain('HUBSPOT_CLIENT_ID, TOKEN_ENCRYPTION_KEYS');
    }
  });

  it('uses the local URL as redirect when no public URL is set', async () => {
    const { app } = buildOAuthTestApp(database().db, { config: hubspotConfig({ PUBLIC_BASE_URL: '', PORT: '3100' }) });
    const res = await request(app).get('/oauth/install').expect(302);
    expect(new URL(res.headers.location!).searchParams.get('redirect_uri')).toBe('http://localhost:3100/oauth/callback');
  });
});

describe('GET /oauth/callback', () => {
  it('installs a new portal: tokens sealed, flag shadow, default policy active, properties provisioned', async () => {
    const { db } = database();
    const { app, logs, hubspot } = buildOAuthTestApp(db);
    const state = await startInstall(app);
    const accessToken = 'CJSP-first-access-token-111';
    const hubspotCalls = [...nockExchange('code-1', accessToken, 777001), nockAccountDetails(accessToken, 777001), nockProvisioning(accessToken, 'absent')];

    const res = await request(app).get('/oauth/callback').query({ code: 'code-1', state }).expect(200).expect('content-type', /text\/html/);

    expect(hubspotCalls.every((scope) => scope.isDone())).toBe(true);
    expect(res.text).toContain('approval-router is installed in acme.hubspot.com (portal 777001)');
    expect(res.text).toContain('shadow mode');
    expect(res.text).toContain('example policy “Acme deal desk”');
    expect(res.headers['referrer-policy']).toBe('no-referrer');

    const portal = await findPortal(db, '777001');
    expect(portal).toMatchObject({ installState: 'installed', featureFlag: 'shadow', installedByEmail: 'revops.admin@acme.example' });
    const policy = await activePolicy(db, '777001');
    expect(policy).toMatchObject({ version: 1, name: 'Acme deal desk', activatedBy: 'revops.admin@acme.example' });

    // At rest the tokens are ciphertext: neither token appears, raw or base64, and another key cannot open them.
    const row = await db('hubspot_tokens').where({ portal_id: '777001' }).first<{ key_id: string; access_token_ciphertext: Buffer; refresh_token_ciphertext: Buffer; scopes: string[] } | undefined>();
    expect(row!.key_id).toBe('k2026');
    for (const [ciphertext, token] of [[row!.access_token_ciphertext, accessToken], [row!.refresh_token_ciphertext, 'refresh-for-777001']] as const) {
      expect(ciphertext.includes(Buffer.from(token))).toBe(false);
      expect(ciphertext.toString('base64')).not.toContain(Buffer.from(token).toString('base64').slice(0, 16));
      expect(() => TokenCipher.fromSpec(`k2026:${Buffer.alloc(32, 1).toString('base64')}`).decrypt({ keyId: 'k2026', ciphertext }, 'hubspot_tokens:777001:access')).toThrow();
    }
    expect(JSON.stringify(await db('hubspot_tokens').select('*'))).not.toContain(accessToken);
    expect(row!.scopes).toEqual(['oauth', 'crm.objects.deals.read']);
    // With the key, the store hands the token back (still fresh: no refresh call is mocked).
    if (!hubspot.configured) throw new Error('configured in this test');
    expect(await hubspot.connection.tokens.accessToken('777001')).toBe(accessToken);

    const installed = logs.filter((line) => line.includes('portal installed'));
    expect(installed).toHaveLength(1);
    expect(logs.join('\n')).not.toContain('code-1');
    expect(logs.join('\n')).not.toContain(accessToken);
  });

  it('a second install changes nothing: no property created, no second policy version, one portal', async () => {
    const { db } = database();
    const { app } = buildOAuthTestApp(db);
    const before = await listPolicyVersions(db, '777001');
    expect(before).toHaveLength(1);
    const state = await startInstall(app);
    const accessToken = 'CJSP-second-access-token-222';
    // Only reads are mocked: any create call would find no interceptor and fail the install.
    const hubspotCalls = [...nockExchange('code-2', accessToken, 777001), nockAccountDetails(accessToken, 777001), nockProvisioning(accessToken, 'present')];

    const res = await request(app).get('/oauth/callback').query({ code: 'code-2', state }).expect(200);

    expect(hubspotCalls.every((scope) => scope.isDone())).toBe(true);
    expect(res.text).toContain('connected again');
    expect(res.text).toContain('Your approval policy “Acme deal desk” is unchanged');
    expect(res.text).toContain('properties were already there');
    expect(await listPolicyVersions(db, '777001')).toEqual(before);
    expect(await db('portals').where({ id: '777001' }).count<{ count: string }[]>('* as count')).toEqual([{ count: '1' }]);
  });

  it('a reinstall after an uninstall reactivates the portal and keeps its flag and policy', async () => {
    const { db } = database();
    await db('portals').where({ id: '777001' }).update({ install_state: 'uninstalled', feature_flag: 'on' });
    const { app } = buildOAuthTestApp(db);
    const state = await startInstall(app);
    nockExchange('code-3', 'CJSP-third-333', 777001);
    nockAccountDetails('CJSP-third-333', 777001);
    nockProvisioning('CJSP-third-333', 'present');

    await request(app).get('/oauth/callback').query({ code: 'code-3', state }).expect(200);

    expect(await findPortal(db, '777001')).toMatchObject({ installState: 'installed', featureFlag: 'on' });
    expect(await listPolicyVersions(db, '777001')).toHaveLength(1);
  });

  it('refuses a replayed state, without calling HubSpot', async () => {
    const { db } = database();
    const { app, logs } = buildOAuthTestApp(db);
    const state = await startInstall(app);
    nockExchange('code-4', 'CJSP-fourth-444', 777002);
    nockAccountDetails('CJSP-fourth-444', 777002);
    nockProvisioning('CJSP-fourth-444', 'present');
    await request(app).get('/oauth/callback').query({ code: 'code-4', state }).expect(200);

    const replay = await request(app).get('/oauth/callback').query({ code: 'code-4-again', state }).expect(400);
    expect(replay.text).toContain('already used');
    expect(logs.filter((line) => line.includes('"reason":"replayed"'))).toHaveLength(1);
  });

  it('an install HubSpot started (no state) is exchanged and bound to the portal HubSpot names, its time zone kept', async () => {
    const { db } = database();
    const { app, logs } = buildOAuthTestApp(db);
    const accessToken = 'CJSP-hubspot-started-555';
    const hubspotCalls = [...nockExchange('code-hs', accessToken, 777005), nockAccountDetails(accessToken, 777005, 'America/New_York'), nockProvisioning(accessToken, 'absent')];

    const res = await request(app).get('/oauth/callback').query({ code: 'code-hs' }).expect(200);

    expect(hubspotCalls.every((scope) => scope.isDone())).toBe(true);
    expect(res.text).toContain('approval-router is installed in acme.hubspot.com (portal 777005)');
    expect(await findPortal(db, '777005')).toMatchObject({ installState: 'installed', featureFlag: 'shadow', installedByEmail: 'revops.admin@acme.example' });
    expect(await db('hubspot_tokens').where({ portal_id: '777005' }).first('time_zone')).toEqual({ time_zone: 'America/New_York' });
    expect(logs.filter((line) => line.includes('"startedBy":"hubspot"'))).toHaveLength(1);
  });

  it('an install without a state whose token HubSpot says was issued to another app installs nothing', async () => {
    const { db } = database();
    const { app } = buildOAuthTestApp(db);
    const accessToken = 'CJSP-other-app-666';
    oauthEndpoint(TOKEN_PATH, (form) => form.code === 'code-other').once().reply(200, tokenAnswer(accessToken));
    oauthEndpoint(INTROSPECT_PATH, (form) => form.token === accessToken).once().reply(200, { ...introspectionAnswer(accessToken, 777006), client_id: 'someone-elses-app' });

    const res = await request(app).get('/oauth/callback').query({ code: 'code-other' }).expect(400);

    expect(res.text).toContain('HubSpot refused the install');
    expect(await findPortal(db, '777006')).toBeNull();
    expect(await db('hubspot_tokens').where({ portal_id: '777006' }).first()).toBeUndefined();
  });

  it('when the admin denies consent, says nothing was installed (403) and logs one line', async () => {
    const { db } = database();
    const { app, logs } = buildOAuthTestApp(db);
    const state = await startInstall(app);
    const res = await request(app).get('/oauth/callback').query({ error: 'access_denied', error_description: 'User denied', state }).expect(403);
    expect(res.text).toContain('Install cancelled');
    expect(res.text).toContain('nothing changed');
    expect(res.text).toContain('href="/oauth/install"');
    expect(logs.filter((line) => line.includes('"outcome":"denied"'))).toHaveLength(1);
  });

  it('refuses a forged or altered state with 400', async () => {
    const { app, logs } = buildOAuthTestApp(database().db);
    const state = await startInstall(app);
    const forged = `${state.split('.')[0]}.${'A'.repeat(43)}`;
    for (const bad of [forged, 'not-a-state', '']) {
      const res = await request(app).get('/oauth/callback').query({ code: 'code-x', state: bad }).expect(400);
      expect(res.text).toContain('This install link is not valid');
      expect(res.text).not.toMatch(/at .*\.ts:\d+/);
    }
    expect(logs.filter((line) => line.includes('"outcome":"bad_state"'))).toHaveLength(3);
  });

  it('refuses an expired state with 400 and asks to start again', async () => {
    const clock = createClock('2026-11-27T09:00:00.000Z');
    const { app } = buildOAuthTestApp(database().db, { now: clock.now });
    const state = await startInstall(app);
    clock.set('2026-11-27T09:10:01.000Z');
    const res = await request(app).get('/oauth/callback').query({ code: 'code-y', state }).expect(400);
    expect(res.text).toContain('expired');
  });

  it('when HubSpot fails the code exchange (500), answers 502, installs nothing, and shows no stack', async () => {
    const { db } = database();
    const { app, logs } = buildOAuthTestApp(db);
    const state = await startInstall(app);
    const exchange = oauthEndpoint(TOKEN_PATH, () => true).once().reply(500, { error: 'server_error', error_description: 'internal error' });

    const res = await request(app).get('/oauth/callback').query({ code: 'code-5', state }).expect(502);

    expect(exchange.isDone()).toBe(true);
    expect(res.text).toContain('HubSpot is not answering');
    expect(res.text).not.toContain('HTTP-Code');
    expect(res.text).not.toMatch(/\bat .*\(/);
    expect(await findPortal(db, '777003')).toBeNull();
    const failures = logs.filter((line) => line.includes('"outcome":"hubspot_unavailable"'));
    expect(failures).toHaveLength(1);
    expect(failures[0]).toContain('"status":500');
    expect(failures[0]).not.toContain('stack');
  });

  it('when HubSpot is unreachable, answers 502 too', async () => {
    const { app } = buildOAuthTestApp(database().db);
    const state = await startInstall(app);
    oauthEndpoint(TOKEN_PATH, () => true).once().replyWithError('socket hang up');
    const res = await request(app).get('/oauth/callback').query({ code: 'code-6', state }).expect(502);
    expect(res.text).toContain('HubSpot is not answering');
  });

  it('when HubSpot refuses the code (used or expired), answers 400 and asks to start again', async () => {
    const { app } = buildOAuthTestApp(database().db);
    const state = await startInstall(app);
    oauthEndpoint(TOKEN_PATH, () => true).once().reply(400, { error: 'invalid_grant', error_description: 'authorization code is expired or was used' });
    const res = await request(app).get('/oauth/callback').query({ code: 'code-7', state }).expect(400);
    expect(res.text).toContain('HubSpot refused the install');
  });

  it('when property provisioning fails, the portal is installed and the page says how to finish', async () => {
    const { db } = database();
    const { app } = buildOAuthTestApp(db);
    const state = await startInstall(app);
    nockExchange('code-8', 'CJSP-eighth-888', 777004);
    nockAccountDetails('CJSP-eighth-888', 777004);
    nock(HUBSPOT_API).get('/crm/v3/properties/deals/groups').reply(503, { status: 'error', message: 'unavailable' });
    const res = await request(app).get('/oauth/callback').query({ code: 'code-8', state }).expect(502);
    expect(res.text).toContain('Installed, but not finished');
    expect(await findPortal(db, '777004')).toMatchObject({ installState: 'installed', featureFlag: 'shadow' });
  });

  it('a misconfigured key list refuses to start the service, naming the variable but not the value', () => {
    expect(() => hubspotConfig({ TOKEN_ENCRYPTION_KEYS: 'k1:c2hvcnQ=' })).toThrow(/TOKEN_ENCRYPTION_KEYS: key "k1": expected 32 bytes.*\(its value is hidden\)/);
    expect(() => hubspotConfig({ TOKEN_ENCRYPTION_KEYS: 'k1:c2hvcnQ=' })).not.toThrow(/c2hvcnQ/);
    expect(connectHubSpot({ db: database().db, config: hubspotConfig({ TOKEN_ENCRYPTION_KEYS: KEYS.current }), now: () => new Date('2026-11-27T09:00:00.000Z') }).configured).toBe(true);
  });
});
