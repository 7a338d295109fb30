// HubSpot on nock for tests that drive the real @hubspot/api-client: config with test credentials, answers shaped
// like HubSpot's (snake_case OAuth bodies, CRM objects with their timestamps), and an app with the OAuth router.
import express from 'express';
import type { Knex } from 'knex';
import nock from 'nock';
import { pinoHttp } from 'pino-http';
import { loadConfig, type Config } from '../../server/config.js';
import { connectHubSpot, type HubSpotSetup } from '../../server/hubspot/connect.js';
import { createOAuthRouter } from '../../server/http/routes/oauth.js';
import type { INTROSPECT_PATH, TOKEN_PATH } from '../../server/hubspot/oauth.js';
import { createTestLogger } from './logger.js';

export const HUBSPOT_API = 'https://api.hubapi.com';
export const CLIENT_ID = 'test-client-id';
export const CLIENT_SECRET = 'test-client-secret-0123456789';
/** Two 32-byte keys: `current` first (encrypts), `old` second (still decrypts). */
export const KEYS = {
  old: `old:${Buffer.alloc(32, 7).toString('base64')}`,
  current: `k2026:${Buffer.alloc(32, 9).toString('base64')}`,
};

export function hubspotConfig(env: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    PORT: '3000',
    HUBSPOT_CLIENT_ID: CLIENT_ID,
    HUBSPOT_CLIENT_SECRET: CLIENT_SECRET,
    TOKEN_ENCRYPTION_KEYS: `${KEYS.current},${KEYS.old}`,
    PUBLIC_BASE_URL: 'https://approvals.example.com',
    ...env,
  });
}

/** Outbound HTTP closed for the file; loopback stays open for supertest and Postgres. */
export function closeNetwork(): void {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
}

export function tokenAnswer(accessToken: string, refreshToken = 'refresh-token-1', expiresIn = 1800) {
  return { access_token: accessToken, refresh_token: refreshToken, expires_in: expiresIn, token_type: 'bearer' };
}

export function tokenMetadataAnswer(accessToken: string, portalId: number, user = 'RevOps.Admin@acme.example') {
  return {
    token: accessToken, user, hub_domain: 'acme.hubspot.com', scopes: ['oauth', 'crm.objects.deals.read'],
    hub_id: portalId, app_id: 4242, expires_in: 1795, user_id: 5151, token_type: 'access',
  };
}

/**
 * HubSpot's 2026-03 introspection answer for an access token (RFC 7662 with HubSpot's fields): the portal is
 * `hub_id`, the installing user `user` and `user_id`.
 */
export function introspectionAnswer(accessToken: string, portalId: number, user = 'RevOps.Admin@acme.example') {
  return {
    active: true, token_use: 'access_token', client_id: CLIENT_ID, hub_id: portalId, hub_domain: 'acme.hubspot.com', user, user_id: 5151,
    scopes: ['oauth', 'crm.objects.deals.read'], exp: 1_795_000_000, iat: 1_794_998_200, token_type: 'bearer', app_id: 4242,
  };
}

/**
 * HubSpot's 2026-03 OAuth endpoints on nock, matched on the exact wire shape: a form-encoded POST, no bearer token,
 * and exactly the fields given (`fields` may be a predicate for what cannot be known in advance).
 */
export function oauthEndpoint(path: typeof TOKEN_PATH | typeof INTROSPECT_PATH, fields: Record<string, string> | ((form: Record<string, string>) => boolean)) {
  return nock(HUBSPOT_API, { reqheaders: { 'content-type': 'application/x-www-form-urlencoded' }, badheaders: ['authorization'] })
    .post(path, (body) => {
      const form = typeof body === 'string' ? formBody(body) : body as Record<string, string>;
      if (typeof fields === 'function') return fields(form);
      const sorted = (record: Record<string, string>) => JSON.stringify(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
      return sorted(form) === sorted(fields);
    });
}

/** A form body HubSpot's token endpoint receives, as an object. */
export function formBody(body: unknown): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(String(body)));
}

const stamp = { createdAt: '2026-01-05T10:00:00.000Z', updatedAt: '2026-11-01T10:00:00.000Z', archived: false };

export function ownerAnswer(owner: { id: string; email?: string; userId?: number; firstName?: string; lastName?: string; teams?: { id?: string; name: string; primary: boolean }[] }) {
  return { type: 'PERSON', ...stamp, ...owner, teams: (owner.teams ?? []).map((team, i) => ({ id: team.id ?? String(100 + i), ...team })) };
}

export function dealAnswer(id: string, properties: Record<string, string | null>) {
  return { id, properties: { hs_object_id: id, createdate: stamp.createdAt, hs_lastmodifieddate: stamp.updatedAt, ...properties }, ...stamp };
}

export function propertyAnswer(name: string, type = 'string', groupName = 'dealinformation') {
  return { name, label: name, type, fieldType: type === 'number' ? 'number' : 'text', groupName, description: '', options: [], ...stamp };
}

export function buildOAuthTestApp(db: Knex, options: { config?: Config; now?: () => Date; hubspot?: HubSpotSetup } = {}) {
  const { logger, lines } = createTestLogger();
  const config = options.config ?? hubspotConfig();
  // Without a clock of the test's own, the install runs on the wall clock, as a real one does.
  const now = options.now ?? (() => new Date());
  const hubspot = options.hubspot ?? connectHubSpot({ db, config, logger, now });
  const app = express();
  app.use(pinoHttp({ logger }));
  app.use(createOAuthRouter({ db, logger, hubspot, now }));
  return { app, logs: lines, hubspot };
}
