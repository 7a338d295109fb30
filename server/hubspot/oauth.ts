// HubSpot's OAuth endpoints through @hubspot/api-client: the authorize URL, the code exchange, the refresh,
// and the access-token metadata that tells which portal (hub) and user a token belongs to.
import { Client } from '@hubspot/api-client';
import { normaliseEmail } from '../../src/directory/email.js';
import { toHubSpotApiError, withDeadline, type HubSpotApiError } from './hubspot-errors.js';

/** An admin waits on the install page for these calls. */
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

/** A refresh answered `BAD_REFRESH_TOKEN`: the portal uninstalled the app (or revoked it); retrying cannot help. */
export function isBadRefreshToken(error: HubSpotApiError): boolean {
  return error.hubspotStatus === 400 && error.hubspotCategory === 'BAD_REFRESH_TOKEN';
}

export function buildAuthorizeUrl(app: HubSpotApp, state: string): string {
  return oauthClient().oauth.getAuthorizationUrl(app.clientId, app.redirectUri, app.scopes.join(' '), undefined, state);
}

export async function exchangeCode(app: HubSpotApp, code: string): Promise<TokenGrant> {
  try {
    const answer = await withDeadline('code exchange', oauthClient().oauth.tokensApi.create('authorization_code', code, app.redirectUri, app.clientId, app.clientSecret), OAUTH_CALL_TIMEOUT_MS);
    return toGrant(answer);
  } catch (error) {
    throw toHubSpotApiError('code exchange', error);
  }
}

export async function refreshTokens(app: HubSpotApp, refreshToken: string): Promise<TokenGrant> {
  try {
    const answer = await oauthClient().oauth.tokensApi.create('refresh_token', undefined, undefined, app.clientId, app.clientSecret, refreshToken);
    return toGrant(answer);
  } catch (error) {
    throw toHubSpotApiError('token refresh', error);
  }
}

export async function readTokenMetadata(accessToken: string): Promise<TokenMetadata> {
  try {
    const info = await withDeadline('access-token metadata', oauthClient().oauth.accessTokensApi.get(accessToken), OAUTH_CALL_TIMEOUT_MS);
    if (!Number.isSafeInteger(info.hubId) || info.hubId <= 0) throw new Error('access-token metadata has no hub id');
    return {
      portalId: String(info.hubId),
      userEmail: info.user ? normaliseEmail(info.user) : null,
      userId: info.userId ? String(info.userId) : null,
      hubDomain: info.hubDomain ?? null,
      scopes: info.scopes ?? [],
    };
  } catch (error) {
    throw toHubSpotApiError('access-token metadata', error);
  }
}

// A fresh client per call: the OAuth endpoints take no bearer token, and the api-client keeps no useful state.
function oauthClient(): Client {
  return new Client();
}

function toGrant(answer: { accessToken: string; refreshToken: string; expiresIn: number }): TokenGrant {
  if (!answer.accessToken || !answer.refreshToken || !(answer.expiresIn > 0)) throw new Error('token endpoint answered without tokens');
  return { accessToken: answer.accessToken, refreshToken: answer.refreshToken, expiresInSeconds: answer.expiresIn };
}
