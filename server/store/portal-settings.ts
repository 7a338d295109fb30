// The notification part of a portal's settings (portals.settings: `channels`, `emailOptOuts`) and the version admin
// changes of the channels are conditioned on. Writers hold the portal's row lock (admin writes take it first), so a
// read-modify-write of the settings document loses nobody's change.
import type { Knex } from 'knex';
import type { PortalSettings } from './portals.js';

export interface NotificationSettingsRow {
  settings: PortalSettings;
  settingsVersion: number;
}

/** The portal's settings and their version, or null when there is no such portal. */
export async function notificationSettings(db: Knex, portalId: string): Promise<NotificationSettingsRow | null> {
  const row = await db('portals').where({ id: portalId }).first<{ settings: PortalSettings | null; settings_version: number } | undefined>('settings', 'settings_version');
  return row ? { settings: row.settings ?? {}, settingsVersion: row.settings_version } : null;
}

/** Sets which optional channels the portal uses and moves the version on; returns the new version. The caller holds the row lock. */
export async function saveChannels(trx: Knex.Transaction, portalId: string, channels: NonNullable<PortalSettings['channels']>, at: string): Promise<number> {
  const [row] = await trx('portals').where({ id: portalId })
    .update({
      settings: trx.raw(`jsonb_set(settings, '{channels}', ?::jsonb)`, [JSON.stringify(channels)]),
      settings_version: trx.raw('settings_version + 1'),
      updated_at: at,
    })
    .returning<{ settings_version: number }[]>('settings_version');
  if (!row) throw new Error(`portal ${portalId} vanished while its row was locked`);
  return row.settings_version;
}

/** Replaces the list of people who opted out of email. The caller holds the row lock. */
export async function saveEmailOptOuts(trx: Knex.Transaction, portalId: string, emails: readonly string[], at: string): Promise<void> {
  await trx('portals').where({ id: portalId })
    .update({ settings: trx.raw(`jsonb_set(settings, '{emailOptOuts}', ?::jsonb)`, [JSON.stringify(emails)]), updated_at: at });
}
