// Builds the HubSpot side of the service from config, once per process (the token store's single-flight map must be
// shared by everything that calls HubSpot). Without credentials the service still runs; OAuth answers 503.
import { Client } from '@hubspot/api-client';
import type { Logger } from 'pino';
import { signedBaseUrl, type Config } from '../config.js';
import type { Db } from '../db/database.js';
import { createClientFactory, type ClientForPortal } from './hubspot-client.js';
import { exchangeCode, readTokenMetadata, type HubSpotApp, type TokenGrant, type TokenMetadata } from './oauth.js';
import { stateKey } from './oauth-state.js';
import { provisionDealProperties, type ProvisionResult } from './provision-properties.js';
import { TokenCipher } from './token-crypto.js';
import { TokenStore } from './token-store.js';

export interface HubSpotConnection {
  app: HubSpotApp;
  tokens: TokenStore;
  clientFor: ClientForPortal;
  /** Signs the OAuth `state`. */
  stateKey: Buffer;
  /** Trades the code HubSpot's redirect carries for the portal's tokens. */
  exchangeCode: (code: string) => Promise<TokenGrant>;
  /** Which portal (hub) and user an access token belongs to. */
  readTokenMetadata: (accessToken: string) => Promise<TokenMetadata>;
  /** Creates the deal properties the sync writes, with a token just granted. */
  provisionDealProperties: (accessToken: string) => Promise<ProvisionResult>;
}

export type HubSpotSetup =
  | { configured: true; connection: HubSpotConnection }
  | { configured: false; missing: string[] };

export const CALLBACK_PATH = '/oauth/callback';

export function connectHubSpot(deps: { db: Db; config: Config; logger?: Logger; now?: () => Date }): HubSpotSetup {
  const { config } = deps;
  const missing = (['HUBSPOT_CLIENT_ID', 'HUBSPOT_CLIENT_SECRET', 'TOKEN_ENCRYPTION_KEYS'] as const).filter((name) => config[name] === undefined);
  if (!config.HUBSPOT_CLIENT_ID || !config.HUBSPOT_CLIENT_SECRET || !config.TOKEN_ENCRYPTION_KEYS) return { configured: false, missing };
  const app: HubSpotApp = {
    clientId: config.HUBSPOT_CLIENT_ID,
    clientSecret: config.HUBSPOT_CLIENT_SECRET,
    redirectUri: redirectUriFor(config),
    scopes: config.HUBSPOT_SCOPES.split(/\s+/).filter(Boolean),
  };
  const tokens = new TokenStore({
    db: deps.db,
    cipher: TokenCipher.fromSpec(config.TOKEN_ENCRYPTION_KEYS),
    app,
    ...(deps.logger ? { logger: deps.logger } : {}),
    ...(deps.now ? { now: deps.now } : {}),
  });
  return {
    configured: true,
    connection: {
      app,
      tokens,
      clientFor: createClientFactory(tokens),
      stateKey: stateKey(app.clientSecret),
      exchangeCode: (code) => exchangeCode(app, code),
      readTokenMetadata,
      // The token was granted a moment ago and is fresh for 30 minutes: no need to go through the token store.
      provisionDealProperties: (accessToken) => provisionDealProperties(new Client({ accessToken })),
    },
  };
}

/**
 * The public URL in production; locally `http://localhost:PORT`, the one plain-http redirect HubSpot accepts.
 * Either way it must be listed among the app's redirect URLs.
 */
export function redirectUriFor(config: Pick<Config, 'PUBLIC_BASE_URL' | 'PORT'>): string {
  return new URL(CALLBACK_PATH.slice(1), `${signedBaseUrl(config)}/`).toString();
}
