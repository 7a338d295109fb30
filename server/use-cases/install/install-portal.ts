// The install use case, after HubSpot redirected back with a code: exchange it, learn the portal from the token's
// metadata, then in one transaction store the sealed tokens, create or reactivate the portal and give it the default
// policy when it has none; last, provision the deal properties. Repeating an install changes nothing.
import { Client } from '@hubspot/api-client';
import type { Knex } from 'knex';
import { activatePolicyVersion, activePolicy, savePolicyVersion } from '../../store/policies.js';
import { findPortal, upsertPortal } from '../../store/portals.js';
import type { HubSpotConnection } from '../../hubspot/connect.js';
import type { DefaultPolicy } from './default-policy.js';
import { toHubSpotApiError, type HubSpotApiError } from '../../hubspot/hubspot-errors.js';
import { exchangeCode, readTokenMetadata } from '../../hubspot/oauth.js';
import { provisionDealProperties, type ProvisionResult } from '../../hubspot/provision-properties.js';

export interface InstallDeps {
  db: Knex;
  hubspot: HubSpotConnection;
  now: () => Date;
  defaultPolicy: () => Promise<DefaultPolicy>;
}

export interface InstallOutcome {
  portalId: string;
  hubDomain: string | null;
  installedBy: string | null;
  /** The portal existed before (a repeat install, or a reinstall after an uninstall). */
  reinstalled: boolean;
  /** The default policy was added and activated (false when the portal already had an active policy). */
  policyAdded: boolean;
  /** The name of the portal's active policy after the install. */
  policyName: string;
  properties: { ok: true; result: ProvisionResult } | { ok: false; error: HubSpotApiError };
}

export async function installPortal(deps: InstallDeps, code: string): Promise<InstallOutcome> {
  const grant = await exchangeCode(deps.hubspot.app, code);
  const metadata = await readTokenMetadata(grant.accessToken);
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
    });
    if (metadata.userId) await trx('portals').where({ id: metadata.portalId }).update({ installed_by_user_id: metadata.userId });
    await deps.hubspot.tokens.save(trx, metadata.portalId, grant, { scopes: metadata.scopes, hubDomain: metadata.hubDomain });
    const active = await activePolicy(trx, metadata.portalId);
    if (active) return { reinstalled: existing !== null, policyAdded: false, policyName: active.name };
    const saved = await savePolicyVersion(trx, { portalId: metadata.portalId, ...policy, createdBy: installedBy ?? 'install' });
    await activatePolicyVersion(trx, metadata.portalId, saved.version.id, installedBy ?? 'install', at);
    return { reinstalled: existing !== null, policyAdded: true, policyName: saved.version.name };
  });

  // The token just granted is fresh for 30 minutes: no need to go through the store.
  let properties: InstallOutcome['properties'];
  try {
    properties = { ok: true, result: await provisionDealProperties(new Client({ accessToken: grant.accessToken })) };
  } catch (error) {
    properties = { ok: false, error: toHubSpotApiError('property provisioning', error) };
  }
  return { portalId: metadata.portalId, hubDomain: metadata.hubDomain, installedBy, reinstalled, policyAdded, policyName, properties };
}
