// The install use case, after HubSpot redirected back with a code: spend the state when the install started here (each
// install link works once; one HubSpot started carries none), exchange the code, learn the portal from HubSpot's
// introspection of the token, then in one transaction store the sealed tokens, create or reactivate the portal and give
// it the default policy when it has none; last, learn the account's time zone and provision the deal properties.
// Repeating an install changes nothing.
import { ENGINE_VERSION } from '../../../src/hash.js';
import type { Db } from '../../db/database.js';
import { AppError } from '../../errors.js';
import { toHubSpotApiError } from '../../hubspot/hubspot-errors.js';
import type { TokenGrant, TokenMetadata } from '../../hubspot/oauth.js';
import type { ProvisionResult } from '../../hubspot/provision-properties.js';
import type { TokenStore } from '../../hubspot/token-store.js';
import { consumeOAuthState } from '../../store/oauth-states.js';
import { isKnownTimeZone, saveAccountTimeZone } from '../../store/tokens.js';
import { activatePolicyVersion, activePolicy, savePolicyVersion } from '../../store/policies.js';
import { findPortal, setInstalledByUserId, upsertPortal } from '../../store/portals.js';
import { recordValidated } from '../../store/rollout-gate.js';
import { markStable } from '../../store/rollout-versions.js';
import type { DefaultPolicy } from './default-policy.js';

/** What an install needs from HubSpot (server/hubspot/connect.ts's HubSpotConnection provides it). */
export interface InstallHubSpot {
  exchangeCode: (code: string) => Promise<TokenGrant>;
  readTokenMetadata: (accessToken: string) => Promise<TokenMetadata>;
  /** Seals the tokens and stores them, in the transaction it is given. */
  tokens: Pick<TokenStore, 'save'>;
  /** The account's time zone, with the tokens just stored. */
  readAccountTimeZone: (portalId: string) => Promise<string | null>;
  provisionDealProperties: (portalId: string) => Promise<ProvisionResult>;
}

export interface InstallDeps {
  db: Db;
  hubspot: InstallHubSpot;
  now: () => Date;
  defaultPolicy: () => Promise<DefaultPolicy>;
}

/**
 * HubSpot's redirect: the code to exchange, and the state the route verified (signature and expiry), or null for an
 * install HubSpot started (its install URL, the marketplace button), which carries no state of ours.
 */
export interface InstallCallback {
  code: string;
  state: { nonce: string; expiresAt: Date } | null;
}

export interface InstallOutcome {
  kind: 'installed';
  portalId: string;
  hubDomain: string | null;
  installedBy: string | null;
  /** The portal existed before (a repeat install, or a reinstall after an uninstall). */
  reinstalled: boolean;
  /** The default policy was added and activated (false when the portal already had an active policy). */
  policyAdded: boolean;
  /** The name of the portal's active policy after the install. */
  policyName: string;
  /**
   * The account's time zone, whose midnight ends the portal's day of HubSpot calls; null when HubSpot did not name
   * one we know (the day then ends at midnight UTC), with why.
   */
  timeZone: { ok: true; name: string } | { ok: false; why: string };
  properties: { ok: true; result: ProvisionResult } | { ok: false; error: AppError };
}

/** The install link was used before: nothing was asked of HubSpot, nothing changed. */
export interface LinkAlreadyUsed {
  kind: 'link_used';
}

export async function installPortal(deps: InstallDeps, callback: InstallCallback): Promise<InstallOutcome | LinkAlreadyUsed> {
  if (callback.state && !(await consumeOAuthState(deps.db, callback.state, deps.now()))) return { kind: 'link_used' };
  const grant = await deps.hubspot.exchangeCode(callback.code);
  const metadata = await deps.hubspot.readTokenMetadata(grant.accessToken);
  const policy = await deps.defaultPolicy();
  const at = deps.now().toISOString();
  const installedBy = metadata.userEmail;

  const { reinstalled, policyAdded, policyName } = await deps.db.transaction(async (trx) => {
    const existing = await findPortal(trx, metadata.portalId);
    await upsertPortal(trx, {
      id: metadata.portalId,
      name: existing?.name ?? metadata.hubDomain ?? `HubSpot portal ${metadata.portalId}`,
      installState: 'installed',
      featureFlag: 'shadow', // only for a new portal: upsertPortal keeps an existing portal's flag
      installedByEmail: installedBy ?? existing?.installedByEmail ?? null,
    }, at);
    if (metadata.userId) await setInstalledByUserId(trx, metadata.portalId, metadata.userId);
    await deps.hubspot.tokens.save(trx, metadata.portalId, grant, { scopes: metadata.scopes, hubDomain: metadata.hubDomain });
    const active = await activePolicy(trx, metadata.portalId);
    if (active) return { reinstalled: existing !== null, policyAdded: false, policyName: active.name };
    const saved = await savePolicyVersion(trx, { portalId: metadata.portalId, ...policy, createdBy: installedBy ?? 'install', at });
    await activatePolicyVersion(trx, metadata.portalId, saved.version.id, installedBy ?? 'install', at);
    // The default policy is the portal's first stable version: a fresh install has something to roll back to.
    await markStable(trx, metadata.portalId, saved.version.id, at);
    await recordValidated(trx, metadata.portalId, saved.version.id, at, ENGINE_VERSION);
    return { reinstalled: existing !== null, policyAdded: true, policyName: saved.version.name };
  });

  const timeZone = await learnTimeZone(deps, metadata.portalId);
  let properties: InstallOutcome['properties'];
  try {
    properties = { ok: true, result: await deps.hubspot.provisionDealProperties(metadata.portalId) };
  } catch (error) {
    properties = { ok: false, error: error instanceof AppError ? error : toHubSpotApiError('property provisioning', error) };
  }
  return { kind: 'installed', portalId: metadata.portalId, hubDomain: metadata.hubDomain, installedBy, reinstalled, policyAdded, policyName, timeZone, properties };
}

/** Asks HubSpot for the account's time zone and keeps it; a failure leaves the day in UTC and is not fatal. */
async function learnTimeZone(deps: InstallDeps, portalId: string): Promise<InstallOutcome['timeZone']> {
  let name: string | null;
  try {
    name = await deps.hubspot.readAccountTimeZone(portalId);
  } catch (error) {
    const failure = error instanceof AppError ? error : toHubSpotApiError('account details read', error);
    return { ok: false, why: failure.message };
  }
  if (name === null) return { ok: false, why: 'HubSpot named no time zone for the account' };
  if (!(await isKnownTimeZone(deps.db, name))) return { ok: false, why: `HubSpot named a time zone this service does not know (${name})` };
  await saveAccountTimeZone(deps.db, portalId, name);
  return { ok: true, name };
}
