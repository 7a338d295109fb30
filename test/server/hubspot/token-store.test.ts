import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HubSpotApiError } from '../../../server/hubspot/hubspot-errors.js';
import { TOKEN_PATH, type HubSpotApp } from '../../../server/hubspot/oauth.js';
import { TokenCipher } from '../../../server/hubspot/token-crypto.js';
import { PortalUninstalledError, TokenStore } from '../../../server/hubspot/token-store.js';
import { findCachedDeal, saveCachedDeal } from '../../../server/store/deal-cache.js';
import { findPortal, upsertPortal } from '../../../server/store/portals.js';
import { createClock, type TestClock } from '../../support/app.js';
import { useTestDatabase } from '../../support/db.js';
import { CLIENT_ID, CLIENT_SECRET, closeNetwork, KEYS, oauthEndpoint, tokenAnswer } from '../../support/hubspot.js';

const database = useTestDatabase();
const REDIRECT_URI = 'https://approvals.example.com/oauth/callback';
const app: HubSpotApp = { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUri: REDIRECT_URI, scopes: ['oauth'] };
const cipher = TokenCipher.fromSpec(`${KEYS.current},${KEYS.old}`);
let clock: TestClock;
let nextPortal = 880000;

beforeAll(closeNetwork);
beforeEach(() => { clock = createClock('2026-11-27T09:00:00.000Z'); });
afterEach(() => { nock.cleanAll(); });
afterAll(() => { nock.enableNetConnect(); });

function storeWith(options: { cipher?: TokenCipher } = {}) {
  return new TokenStore({ db: database().db, cipher: options.cipher ?? cipher, app, now: clock.now });
}

/** An installed portal whose access token was granted now and expires in 30 minutes. */
async function installedPortal(store = storeWith(), refreshToken = 'refresh-original'): Promise<string> {
  const portalId = String(nextPortal++);
  await upsertPortal(database().db, { id: portalId, name: 'Acme', installState: 'installed', featureFlag: 'shadow', installedByEmail: null }, clock.now().toISOString());
  await store.save(database().db, portalId, { accessToken: `access-${portalId}-v1`, refreshToken, expiresInSeconds: 1800 }, { scopes: ['oauth'], hubDomain: 'acme.hubspot.com' });
  return portalId;
}

function nockRefresh(refreshToken: string, answer: { status: number; body: object }) {
  return oauthEndpoint(TOKEN_PATH, {
    grant_type: 'refresh_token', refresh_token: refreshToken, redirect_uri: REDIRECT_URI, client_id: CLIENT_ID, client_secret: CLIENT_SECRET,
  })
    .once()
    .delay(50) // long enough for every concurrent caller to arrive while the refresh is in flight
    .reply(answer.status, answer.body);
}

describe('access tokens', () => {
  it('hands out the stored token without calling HubSpot while it has more than 5 minutes left', async () => {
    const store = storeWith();
    const portalId = await installedPortal(store);
    clock.set('2026-11-27T09:24:59.000Z');
    expect(await store.accessToken(portalId)).toBe(`access-${portalId}-v1`);
  });

  it('refreshes before expiry (inside the 5-minute margin) and stores the new token sealed', async () => {
    const store = storeWith();
    const portalId = await installedPortal(store);
    clock.set('2026-11-27T09:26:00.000Z'); // 4 minutes left
    const refresh = nockRefresh('refresh-original', { status: 200, body: tokenAnswer('access-refreshed', 'refresh-original') });

    expect(await store.accessToken(portalId)).toBe('access-refreshed');
    expect(refresh.isDone()).toBe(true);
    const row = await database().db('hubspot_tokens').where({ portal_id: portalId }).first<{ expires_at: Date; access_token_ciphertext: Buffer } | undefined>();
    expect(row!.expires_at.toISOString()).toBe('2026-11-27T09:56:00.000Z');
    expect(row!.access_token_ciphertext.includes(Buffer.from('access-refreshed'))).toBe(false);
    expect(await store.accessToken(portalId)).toBe('access-refreshed'); // fresh again: no second call (none is mocked)
  });

  it('refreshes once when 20 callers need a token at the same moment', async () => {
    const store = storeWith();
    const portalId = await installedPortal(store);
    clock.set('2026-11-27T09:31:00.000Z'); // already expired
    const refresh = nockRefresh('refresh-original', { status: 200, body: tokenAnswer('access-once') });

    const tokens = await Promise.all(Array.from({ length: 20 }, () => store.accessToken(portalId)));

    expect(new Set(tokens)).toEqual(new Set(['access-once']));
    expect(refresh.isDone()).toBe(true); // and `.once()`: a second refresh call would have found no interceptor
  });

  it('refreshes once across processes: a second store waits on the row lock and reuses the first one\'s token', async () => {
    const first = storeWith();
    const second = storeWith(); // its own in-process map, as another replica would have
    const portalId = await installedPortal(first);
    clock.set('2026-11-27T09:31:00.000Z');
    const refresh = nockRefresh('refresh-original', { status: 200, body: tokenAnswer('access-shared') });

    const tokens = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? first : second).accessToken(portalId)));

    expect(new Set(tokens)).toEqual(new Set(['access-shared']));
    expect(refresh.isDone()).toBe(true);
  });

  it('invalid_grant on refresh marks the portal uninstalled, forgets its tokens and its deals\' copies, and stops every later call', async () => {
    const store = storeWith();
    const portalId = await installedPortal(store);
    const otherPortalId = await installedPortal(store);
    const copy = { properties: { dealname: 'Initech renewal', amount: '90000' }, asked: ['dealname', 'amount'], modifiedAtMs: Date.parse('2026-11-27T08:00:00.000Z') };
    for (const portal of [portalId, otherPortalId]) await saveCachedDeal(database().db, portal, '501', copy, clock.now().toISOString());
    clock.set('2026-11-27T09:31:00.000Z');
    nockRefresh('refresh-original', { status: 400, body: { error: 'invalid_grant', error_description: 'refresh token is revoked' } });

    const failures = await Promise.allSettled(Array.from({ length: 5 }, () => store.accessToken(portalId)));

    for (const failure of failures) {
      expect(failure.status).toBe('rejected');
      expect((failure as PromiseRejectedResult).reason).toBeInstanceOf(PortalUninstalledError);
    }
    expect(await findPortal(database().db, portalId)).toMatchObject({ installState: 'uninstalled' });
    expect(await database().db('hubspot_tokens').where({ portal_id: portalId }).first()).toBeUndefined();
    expect(await findCachedDeal(database().db, portalId, '501')).toBeNull();
    expect(await findCachedDeal(database().db, otherPortalId, '501')).toMatchObject({ properties: copy.properties });
    await expect(store.accessToken(portalId)).rejects.toBeInstanceOf(PortalUninstalledError); // no HubSpot call mocked
  });

  it('a refresh refused for the app itself (invalid_client) keeps the portal installed and names the RFC 6749 error', async () => {
    const store = storeWith();
    const portalId = await installedPortal(store);
    clock.set('2026-11-27T09:31:00.000Z');
    nockRefresh('refresh-original', { status: 401, body: { error: 'invalid_client', error_description: 'client authentication failed' } });

    const error = await store.accessToken(portalId).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HubSpotApiError);
    expect(error).toMatchObject({ hubspotStatus: 401, hubspotCategory: 'invalid_client', retryable: false });
    expect(await findPortal(database().db, portalId)).toMatchObject({ installState: 'installed' });
  });

  it('when HubSpot is down during a refresh, raises a retryable error and keeps the portal installed', async () => {
    const store = storeWith();
    const portalId = await installedPortal(store);
    clock.set('2026-11-27T09:31:00.000Z');
    nockRefresh('refresh-original', { status: 502, body: { status: 'error', message: 'bad gateway' } });

    const error = await store.accessToken(portalId).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HubSpotApiError);
    expect(error).toMatchObject({ hubspotStatus: 502, retryable: true, status: 503 });
    expect((error as Error).message).not.toContain('refresh-original');
    expect(await findPortal(database().db, portalId)).toMatchObject({ installState: 'installed' });
  });

  it('a portal that never installed, or was uninstalled, gets a typed error', async () => {
    await expect(storeWith().accessToken('999999')).rejects.toBeInstanceOf(PortalUninstalledError);
    const portalId = await installedPortal();
    await database().db('portals').where({ id: portalId }).update({ install_state: 'uninstalled' });
    await expect(storeWith().accessToken(portalId)).rejects.toBeInstanceOf(PortalUninstalledError);
  });

  it('after a key rotation, tokens sealed with the old key still open and the refresh re-seals them with the new key', async () => {
    const oldOnly = storeWith({ cipher: TokenCipher.fromSpec(KEYS.old) });
    const portalId = await installedPortal(oldOnly);
    const rotated = storeWith({ cipher: TokenCipher.fromSpec(`${KEYS.current},${KEYS.old}`) });
    const keyId = async () => (await database().db('hubspot_tokens').where({ portal_id: portalId }).first<{ key_id: string } | undefined>())!.key_id;

    expect(await keyId()).toBe('old');
    expect(await rotated.accessToken(portalId)).toBe(`access-${portalId}-v1`);

    clock.set('2026-11-27T09:31:00.000Z');
    nockRefresh('refresh-original', { status: 200, body: tokenAnswer('access-after-rotation') });
    expect(await rotated.accessToken(portalId)).toBe('access-after-rotation');
    expect(await keyId()).toBe('k2026');
    await expect(storeWith({ cipher: TokenCipher.fromSpec(KEYS.old) }).accessToken(portalId)).rejects.toThrow(/no key with id "k2026"/);
  });
});
