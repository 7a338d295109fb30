// Portals: install state, the feature flag and settings (who administers the app in that portal).
import type { Knex } from 'knex';
import { normaliseEmail } from '../../src/directory/email.js';

export type FeatureFlag = 'off' | 'shadow' | 'on';
export type InstallState = 'installed' | 'uninstalled' | 'demo';

export interface PortalSettings {
  /** Emails of users who may administer the app besides the installing user. */
  admins?: string[];
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

export async function upsertPortal(db: Knex, portal: Omit<Portal, 'settings'> & { settings?: PortalSettings }): Promise<void> {
  await db('portals').insert({
    id: portal.id,
    name: portal.name,
    install_state: portal.installState,
    feature_flag: portal.featureFlag,
    settings: JSON.stringify(portal.settings ?? {}),
    installed_by_email: portal.installedByEmail,
  }).onConflict('id').merge(['name', 'install_state', 'installed_by_email', 'updated_at']);
}

export async function setFeatureFlag(trx: Knex.Transaction, portalId: string, flag: FeatureFlag, at: string): Promise<FeatureFlag | null> {
  const before = await trx('portals').where({ id: portalId }).forUpdate().first<{ feature_flag: FeatureFlag } | undefined>();
  if (!before) return null;
  await trx('portals').where({ id: portalId }).update({ feature_flag: flag, updated_at: at });
  return before.feature_flag;
}

export function isAdmin(portal: Portal, email: string): boolean {
  const who = normaliseEmail(email);
  const admins = [portal.installedByEmail, ...(portal.settings.admins ?? [])];
  return admins.some((admin) => admin !== null && normaliseEmail(admin) === who);
}
