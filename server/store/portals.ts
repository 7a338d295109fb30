// Portals: install state, the feature flag and settings (who administers the app in that portal).
import type { Knex } from 'knex';
import { normaliseEmail } from '../../src/directory/email.js';

export type FeatureFlag = 'off' | 'shadow' | 'on';
export type InstallState = 'installed' | 'uninstalled' | 'demo';

export interface PortalSettings {
  /** Emails of users who may administer the app besides the installing user. */
  admins?: string[];
  /** Which notification channels the portal uses besides HubSpot tasks and notes (always on); read through use-cases/notify/channel-settings.ts. */
  channels?: { email?: boolean; slack?: boolean };
  /** Normalised emails of users who asked for no notification email. */
  emailOptOuts?: string[];
}

export interface Portal {
  id: string;
  name: string;
  installState: InstallState;
  featureFlag: FeatureFlag;
  settings: PortalSettings;
  installedByEmail: string | null;
}

export interface PortalRow {
  id: string;
  name: string;
  install_state: InstallState;
  feature_flag: FeatureFlag;
  settings: PortalSettings;
  installed_by_email: string | null;
}

export const toPortal = (row: PortalRow): Portal => ({
  id: String(row.id),
  name: row.name,
  installState: row.install_state,
  featureFlag: row.feature_flag,
  settings: row.settings ?? {},
  installedByEmail: row.installed_by_email,
});

export async function findPortal(db: Knex, portalId: string): Promise<Portal | null> {
  const row = await db('portals').where({ id: portalId }).first<PortalRow | undefined>();
  return row ? toPortal(row) : null;
}

/** Creates the portal, or updates an existing one's name, install state and installer; `at` is the service's clock. */
export async function upsertPortal(db: Knex, portal: Omit<Portal, 'settings'> & { settings?: PortalSettings }, at: string): Promise<void> {
  await db('portals').insert({
    id: portal.id,
    name: portal.name,
    install_state: portal.installState,
    feature_flag: portal.featureFlag,
    settings: JSON.stringify(portal.settings ?? {}),
    installed_by_email: portal.installedByEmail,
    created_at: at,
    updated_at: at,
  }).onConflict('id').merge(['name', 'install_state', 'installed_by_email', 'updated_at']);
}

/** The HubSpot user id of whoever installed the app last. */
export async function setInstalledByUserId(db: Knex, portalId: string, userId: string): Promise<void> {
  await db('portals').where({ id: portalId }).update({ installed_by_user_id: userId });
}

/** HubSpot revoked the app in this portal: it is not called again until an admin installs it again. */
export async function markPortalUninstalled(db: Knex, portalId: string, at: Date): Promise<void> {
  await db('portals').where({ id: portalId }).update({ install_state: 'uninstalled', updated_at: at });
}

/**
 * Locks the portal's row until the transaction ends: writes that change what a portal runs (its active or candidate
 * policy) take it first, so they run one at a time per portal.
 */
export async function lockPortal(trx: Knex.Transaction, portalId: string): Promise<void> {
  await trx('portals').where({ id: portalId }).forUpdate().select('id');
}

/** What admin writes are conditioned on: the flag's version and the version of the portal's delegation set. */
export interface AdminVersions {
  featureFlag: FeatureFlag;
  flagVersion: number;
  delegationsVersion: number;
}

interface AdminVersionsRow { feature_flag: FeatureFlag; flag_version: number; delegations_version: number }

const toAdminVersions = (row: AdminVersionsRow): AdminVersions => ({
  featureFlag: row.feature_flag, flagVersion: row.flag_version, delegationsVersion: row.delegations_version,
});

export async function adminVersions(db: Knex, portalId: string): Promise<AdminVersions | null> {
  const row = await db('portals').where({ id: portalId }).first<AdminVersionsRow | undefined>('feature_flag', 'flag_version', 'delegations_version');
  return row ? toAdminVersions(row) : null;
}

/**
 * Locks the portal's row for an admin write and reads the versions it is conditioned on. Every admin write takes
 * this lock first, so they run one at a time per portal and each sees the versions the one before it left.
 */
export async function lockAdminVersions(trx: Knex.Transaction, portalId: string): Promise<AdminVersions | null> {
  const row = await trx('portals').where({ id: portalId }).forUpdate().first<AdminVersionsRow | undefined>('feature_flag', 'flag_version', 'delegations_version');
  return row ? toAdminVersions(row) : null;
}

/** Sets the flag and moves its version on; returns the new version. */
export async function setFeatureFlag(trx: Knex.Transaction, portalId: string, flag: FeatureFlag, at: string): Promise<number> {
  const [row] = await trx('portals').where({ id: portalId })
    .update({ feature_flag: flag, flag_version: trx.raw('flag_version + 1'), updated_at: at }).returning<{ flag_version: number }[]>('flag_version');
  if (!row) throw new Error(`portal ${portalId} vanished while its row was locked`);
  return row.flag_version;
}

/** Moves the version of the portal's delegation set on (a window was set or revoked); returns the new version. */
export async function bumpDelegationsVersion(trx: Knex.Transaction, portalId: string): Promise<number> {
  const [row] = await trx('portals').where({ id: portalId })
    .update({ delegations_version: trx.raw('delegations_version + 1') }).returning<{ delegations_version: number }[]>('delegations_version');
  if (!row) throw new Error(`portal ${portalId} vanished while its row was locked`);
  return row.delegations_version;
}

export function isAdmin(portal: Portal, email: string): boolean {
  const who = normaliseEmail(email);
  const admins = [portal.installedByEmail, ...(portal.settings.admins ?? [])];
  return admins.some((admin) => admin !== null && normaliseEmail(admin) === who);
}
