// HubSpot OAuth tokens, one row per installed portal, as sealed bytes: the HubSpot adapter seals and opens them,
// this module only keeps them.
import type { Knex } from 'knex';

export interface SealedTokens {
  portalId: string;
  /** The id of the key that sealed both ciphertexts. */
  keyId: string;
  accessToken: Buffer;
  refreshToken: Buffer;
  expiresAt: Date;
  scopes: string[];
  hubDomain: string | null;
}

interface TokenRow {
  portal_id: string;
  key_id: string;
  access_token_ciphertext: Buffer;
  refresh_token_ciphertext: Buffer;
  expires_at: Date;
  scopes: string[];
  hub_domain: string | null;
}

const toSealed = (row: TokenRow): SealedTokens => ({
  portalId: String(row.portal_id),
  keyId: row.key_id,
  accessToken: row.access_token_ciphertext,
  refreshToken: row.refresh_token_ciphertext,
  expiresAt: row.expires_at,
  scopes: row.scopes,
  hubDomain: row.hub_domain,
});

/** Stores a portal's tokens, replacing what it had (an install, a reinstall or a refresh). */
export async function saveTokens(db: Knex, tokens: SealedTokens, at: Date): Promise<void> {
  await db('hubspot_tokens').insert({
    portal_id: tokens.portalId,
    key_id: tokens.keyId,
    access_token_ciphertext: tokens.accessToken,
    refresh_token_ciphertext: tokens.refreshToken,
    expires_at: tokens.expiresAt,
    scopes: [...tokens.scopes],
    hub_domain: tokens.hubDomain,
    updated_at: at,
  }).onConflict('portal_id').merge();
}

/** The tokens of a portal that is installed now; null when it never was, or was uninstalled. */
export async function installedPortalTokens(db: Knex, portalId: string): Promise<SealedTokens | null> {
  const row = await db('hubspot_tokens as t').join('portals as p', 'p.id', 't.portal_id')
    .where('t.portal_id', portalId).first<(TokenRow & { install_state: string }) | undefined>('t.*', 'p.install_state');
  return row && row.install_state === 'installed' ? toSealed(row) : null;
}

/** Locks the portal's token row until the transaction ends (one refresh at a time across processes). */
export async function lockTokens(trx: Knex.Transaction, portalId: string): Promise<SealedTokens | null> {
  const row = await trx('hubspot_tokens').where({ portal_id: portalId }).forUpdate().first<TokenRow | undefined>();
  return row ? toSealed(row) : null;
}

export async function deleteTokens(db: Knex, portalId: string): Promise<void> {
  await db('hubspot_tokens').where({ portal_id: portalId }).delete();
}

/** The HubSpot account's time zone (its daily API budget turns at its midnight); null when HubSpot named none we know. */
export async function saveAccountTimeZone(db: Knex, portalId: string, timeZone: string | null): Promise<void> {
  await db('hubspot_tokens').where({ portal_id: portalId }).update({ time_zone: timeZone });
}

/** Whether Postgres, which counts the portal's days, knows this time zone name. */
export async function isKnownTimeZone(db: Knex, name: string): Promise<boolean> {
  const { rows } = await db.raw<{ rows: { known: boolean }[] }>('SELECT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = ?) AS known', [name]);
  return rows[0]?.known === true;
}
