// Builds the HubSpot side of the service from config, once per process (the token store's single-flight map must be
// shared by everything that calls HubSpot). Without credentials the service still runs; OAuth answers 503.
import type { Logger } from 'pino';
import { signedBaseUrl, type Config } from '../config.js';
import type { Db } from '../db/database.js';
import type { Metrics } from '../metrics.js';
import { readAccountTimeZone } from './account-info.js';
import { createClientFactory, type ClientForPortal } from './hubspot-client.js';
import { HubSpotBudget, type BudgetLimits, type CallerKind } from './hubspot-budget.js';
import { HubSpotCrm } from './hubspot-crm.js';
import { exchangeCode, introspectAccessToken, type HubSpotApp, type TokenGrant, type TokenMetadata } from './oauth.js';
import { stateKey } from './oauth-state.js';
import { PortalCalls } from './portal-calls.js';
import { provisionDealProperties, type ProvisionResult } from './provision-properties.js';
import { TokenCipher } from './token-crypto.js';
import { TokenStore } from './token-store.js';

export interface HubSpotConnection {
  app: HubSpotApp;
  tokens: TokenStore;
  clientFor: ClientForPortal;
  /** Every HubSpot API call for a portal spends this budget, whichever process makes it. */
  budget: HubSpotBudget;
  /** The CRM for one kind of caller: interactive for people waiting (HTTP, commands), background for jobs. */
  crm: (caller: CallerKind) => HubSpotCrm;
  /** Signs the OAuth `state`. */
  stateKey: Buffer;
  /** Trades the code HubSpot's redirect carries for the portal's tokens. */
  exchangeCode: (code: string) => Promise<TokenGrant>;
  /** Which portal (hub) and user an access token belongs to. */
  readTokenMetadata: (accessToken: string) => Promise<TokenMetadata>;
  /** The account's time zone, read at install (an admin waits: an interactive call). */
  readAccountTimeZone: (portalId: string) => Promise<string | null>;
  /** Creates the deal properties the sync writes, at install (an interactive call). */
  provisionDealProperties: (portalId: string) => Promise<ProvisionResult>;
}

export type HubSpotSetup =
  | { configured: true; connection: HubSpotConnection }
  | { configured: false; missing: string[] };

export const CALLBACK_PATH = '/oauth/callback';

export function connectHubSpot(deps: { db: Db; config: Config; logger?: Logger; now: () => Date; metrics?: Pick<Metrics, 'hubspotCalls'> }): HubSpotSetup {
  const { config } = deps;
  const missing = (['HUBSPOT_CLIENT_ID', 'HUBSPOT_CLIENT_SECRET', 'TOKEN_ENCRYPTION_KEYS'] as const).filter((name) => config[name] === undefined);
  if (!config.HUBSPOT_CLIENT_ID || !config.HUBSPOT_CLIENT_SECRET || !config.TOKEN_ENCRYPTION_KEYS) return { configured: false, missing };
  const app: HubSpotApp = {
    clientId: config.HUBSPOT_CLIENT_ID,
    clientSecret: config.HUBSPOT_CLIENT_SECRET,
    redirectUri: redirectUriFor(config),
    scopes: config.HUBSPOT_SCOPES.split(/\s+/).filter(Boolean),
  };
  const { now } = deps;
  const tokens = new TokenStore({
    db: deps.db,
    cipher: TokenCipher.fromSpec(config.TOKEN_ENCRYPTION_KEYS),
    app,
    now,
    ...(deps.logger ? { logger: deps.logger } : {}),
  });
  const clientFor = createClientFactory(tokens);
  const budget = new HubSpotBudget({ db: deps.db, limits: budgetLimits(config), now });
  const metrics = deps.metrics ? { metrics: deps.metrics } : {};
  const install = new PortalCalls({ clientFor, caller: 'interactive', budget, ...metrics });
  return {
    configured: true,
    connection: {
      app,
      tokens,
      clientFor,
      budget,
      crm: (caller) => new HubSpotCrm({ clientFor, budget: { gate: budget, caller }, now, ...metrics }),
      stateKey: stateKey(app.clientSecret),
      exchangeCode: (code) => exchangeCode(app, code),
      readTokenMetadata: (accessToken) => introspectAccessToken(app, accessToken),
      readAccountTimeZone: (portalId) => readAccountTimeZone(install, portalId),
      provisionDealProperties: (portalId) => provisionDealProperties(install, portalId),
    },
  };
}

export function budgetLimits(config: Pick<Config, 'HUBSPOT_CALLS_PER_10S' | 'HUBSPOT_INTERACTIVE_RESERVE' | 'HUBSPOT_DAILY_CALLS'>): BudgetLimits {
  return { perTenSeconds: config.HUBSPOT_CALLS_PER_10S, interactiveReserve: config.HUBSPOT_INTERACTIVE_RESERVE, daily: config.HUBSPOT_DAILY_CALLS };
}

/**
 * The public URL in production; locally `http://localhost:PORT`, the one plain-http redirect HubSpot accepts.
 * Either way it must be listed among the app's redirect URLs.
 */
export function redirectUriFor(config: Pick<Config, 'PUBLIC_BASE_URL' | 'PORT'>): string {
  return new URL(CALLBACK_PATH.slice(1), `${signedBaseUrl(config)}/`).toString();
}
