// HubSpot's OAuth endpoints: the authorize URL, the code exchange and the refresh (`POST /oauth/2026-03/token`), and
// the token introspection that tells which portal (hub) and user a token belongs to (`POST
// /oauth/2026-03/token/introspect`). Both take form-encoded bodies: the client id and secret travel in the body, never
// in a URL, so they cannot end up in a log line. The api-client (14) still calls the v1 endpoints HubSpot sunsets on
// 2027-02-16 and has no methods for these, so they go through its generic request. Errors follow RFC 6749.
import { Client } from '@hubspot/api-client';
import { z } from 'zod';
import { normaliseEmail } from '../../src/directory/email.js';
import { HubSpotApiError, readJsonAnswer, toHubSpotApiError, withDeadline } from './hubspot-errors.js';

export const TOKEN_PATH = '/oauth/2026-03/token';
export const INTROSPECT_PATH = '/oauth/2026-03/token/introspect';

/** An admin waits on the install page for these calls, and a refresh holds the token row's lock. */
const OAUTH_CALL_TIMEOUT_MS = 10_000;

/** The app's OAuth identity, from config. */
export interface HubSpotApp {
  clientId: string;
  clientSecret: string;
  /** Must equal one of the redirect URLs configured on the HubSpot app, byte for byte. */
  redirectUri: string;
  scopes: readonly string[];
}

export interface TokenGrant {
  accessToken: string;
  refreshToken: string;
  expiresInSeconds: number;
}

export interface TokenMetadata {
  portalId: string;
  /** The installing user's email (HubSpot's `user`), normalised (normaliseEmail). */
  userEmail: string | null;
  userId: string | null;
  hubDomain: string | null;
  scopes: string[];
}

/**
 * A refresh refused for good: the portal uninstalled the app or revoked it, and retrying cannot help. The 2026-03
 * endpoint says `invalid_grant` (RFC 6749); the v1 endpoint said `BAD_REFRESH_TOKEN`. Both are read, so a token
 * endpoint that answers either way stops the portal's work.
 */
export function isRevokedRefreshToken(error: HubSpotApiError): boolean {
  const status = error.hubspotStatus;
  if (status === null || status < 400 || status >= 500) return false;
  return error.hubspotCategory === 'invalid_grant' || (status === 400 && error.hubspotCategory === 'BAD_REFRESH_TOKEN');
}

export function buildAuthorizeUrl(app: HubSpotApp, state: string): string {
  return new Client().oauth.getAuthorizationUrl(app.clientId, app.redirectUri, app.scopes.join(' '), undefined, state);
}

const TokenAnswer = z.object({
  access_token: z.string().min(1),
  // RFC 6749 lets a refresh answer leave it out, meaning the refresh token stays the same.
  refresh_token: z.string().min(1).optional(),
  expires_in: z.number().positive(),
});

export async function exchangeCode(app: HubSpotApp, code: string): Promise<TokenGrant> {
  const answer = TokenAnswer.safeParse(await postForm('code exchange', TOKEN_PATH, {
    grant_type: 'authorization_code', code, redirect_uri: app.redirectUri, client_id: app.clientId, client_secret: app.clientSecret,
  }));
  if (!answer.success || !answer.data.refresh_token) throw unreadable('code exchange');
  return { accessToken: answer.data.access_token, refreshToken: answer.data.refresh_token, expiresInSeconds: answer.data.expires_in };
}

export async function refreshTokens(app: HubSpotApp, refreshToken: string): Promise<TokenGrant> {
  const answer = TokenAnswer.safeParse(await postForm('token refresh', TOKEN_PATH, {
    grant_type: 'refresh_token', refresh_token: refreshToken, redirect_uri: app.redirectUri, client_id: app.clientId, client_secret: app.clientSecret,
  }));
  if (!answer.success) throw unreadable('token refresh');
  return { accessToken: answer.data.access_token, refreshToken: answer.data.refresh_token ?? refreshToken, expiresInSeconds: answer.data.expires_in };
}

// HubSpot's introspection answer for an access token: `hub_id` is the portal, `user`/`user_id` the person who
// installed, `hub_domain` the account's domain, `scopes` what was granted; `client_id` names the app it was issued to.
const Introspection = z.object({
  active: z.boolean(),
  token_use: z.string().optional(),
  client_id: z.string().optional(),
  hub_id: z.number().int().positive().optional(),
  user_id: z.number().int().positive().optional(),
  user: z.string().min(3).max(320).optional(),
  hub_domain: z.string().max(253).optional(),
  scopes: z.array(z.string()).optional(),
});

/** Which portal (hub) and user an access token belongs to, as HubSpot's introspection says. */
export async function introspectAccessToken(app: HubSpotApp, accessToken: string): Promise<TokenMetadata> {
  const operation = 'token introspection';
  const parsed = Introspection.safeParse(await postForm(operation, INTROSPECT_PATH, {
    client_id: app.clientId, client_secret: app.clientSecret, token: accessToken, token_type_hint: 'access_token',
  }));
  if (!parsed.success) throw unreadable(operation);
  const info = parsed.data;
  // A token HubSpot calls inactive, issued to another app, or without a portal cannot be installed.
  if (!info.active || info.hub_id === undefined || (info.client_id !== undefined && info.client_id !== app.clientId)
    || (info.token_use !== undefined && info.token_use !== 'access_token')) {
    throw new HubSpotApiError(operation, 200, 'TOKEN_NOT_USABLE', {});
  }
  return {
    portalId: String(info.hub_id),
    userEmail: info.user?.includes('@') ? normaliseEmail(info.user) : null,
    userId: info.user_id === undefined ? null : String(info.user_id),
    hubDomain: info.hub_domain || null,
    scopes: info.scopes ?? [],
  };
}

/** A form-encoded POST to an OAuth endpoint, credentials in the body only; the parsed JSON answer. */
async function postForm(operation: string, path: string, fields: Record<string, string>): Promise<unknown> {
  try {
    return await withDeadline(operation, (async () => {
      // A fresh client per call: these endpoints take no bearer token, and the api-client keeps no useful state.
      const response = await new Client().apiRequest({
        method: 'POST',
        path,
        body: new URLSearchParams(fields).toString(),
        defaultJson: false,
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      });
      return readJsonAnswer(operation, response);
    })(), OAUTH_CALL_TIMEOUT_MS);
  } catch (error) {
    throw toHubSpotApiError(operation, error);
  }
}

function unreadable(operation: string): HubSpotApiError {
  return new HubSpotApiError(operation, null, null, { unreadable: true });
}
