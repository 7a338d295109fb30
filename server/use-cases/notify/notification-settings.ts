// Reading and changing a portal's notification settings: admins choose the optional channels (an admin write: once
// per idempotency key, against the version they saw, traced); every user may opt out of email for themselves.
import type { z } from 'zod';
import type { ChannelChoice, MyNotificationsView, NotificationSettingsView } from '../../../src/contract/notification-settings.js';
import { normaliseEmail } from '../../../src/directory/email.js';
import { ENGINE_VERSION, hashJson } from '../../../src/hash.js';
import { runIdempotent } from '../../store/idempotency.js';
import { notificationSettings, saveChannels, saveEmailOptOuts } from '../../store/portal-settings.js';
import { lockPortal, type Portal } from '../../store/portals.js';
import { appendTrace } from '../../store/traces.js';
import { loadAdminPortal } from '../admin/admin-portal.js';
import { runAdminWrite, staleVersion, type AdminWriteGuard } from '../admin/admin-write.js';
import { isoNow, type ServiceDeps } from '../deps.js';
import { loadPortal, type Viewer } from '../load-facts.js';
import { channelsOf, emailOptedOut } from './channel-settings.js';

function settingsView(portal: Pick<Portal, 'settings'>, version: number): NotificationSettingsView {
  return { version, channels: channelsOf(portal), emailOptOuts: [...(portal.settings.emailOptOuts ?? [])].sort() };
}

export async function getNotificationSettings(deps: ServiceDeps, viewer: Viewer): Promise<NotificationSettingsView> {
  const portal = await loadAdminPortal(deps, viewer, 'read the notification settings');
  const stored = await notificationSettings(deps.db, portal.id);
  return settingsView({ settings: stored?.settings ?? portal.settings }, stored?.settingsVersion ?? 1);
}

/** Turns the optional channels on or off; 409 when the settings moved on since the admin read them. */
export async function setNotificationChannels(
  deps: ServiceDeps, viewer: Viewer, choice: z.output<typeof ChannelChoice>, guard: AdminWriteGuard<number>,
): Promise<NotificationSettingsView> {
  const portal = await loadAdminPortal(deps, viewer, 'change the notification settings');
  const request = { channels: choice, expectedVersion: guard.expectedVersion };
  const answer = await runAdminWrite(deps, portal, viewer, { idempotencyKey: guard.idempotencyKey, operation: 'admin.set_channels', request }, async (trx) => {
    const stored = await notificationSettings(trx, portal.id);
    if (!stored) throw new Error(`portal ${portal.id} vanished while its row was locked`);
    if (stored.settingsVersion !== guard.expectedVersion) throw staleVersion('the notification settings', stored.settingsVersion, guard.expectedVersion);
    const previous = channelsOf(stored);
    const { tasks: _alwaysOn, ...optional } = choice;
    const next = { email: optional.email ?? previous.email, slack: optional.slack ?? previous.slack };
    if (next.email === previous.email && next.slack === previous.slack) return { status: 200, body: settingsView(stored, stored.settingsVersion) };
    const at = isoNow(deps);
    const version = await saveChannels(trx, portal.id, next, at);
    await appendTrace(trx, {
      portalId: portal.id, kind: 'settings', input: { command: 'set_channels', by: normaliseEmail(viewer.email), channels: next },
      output: { previous: { email: previous.email, slack: previous.slack }, channels: next, version }, engineVersion: ENGINE_VERSION, occurredAt: at,
    });
    return { status: 200, body: settingsView({ settings: { ...stored.settings, channels: next } }, version) };
  });
  return answer.body;
}

function myView(portal: Pick<Portal, 'settings'>, email: string): MyNotificationsView {
  return { email, emailOptOut: emailOptedOut(portal, email), channels: channelsOf(portal) };
}

export async function getMyNotifications(deps: ServiceDeps, viewer: Viewer): Promise<MyNotificationsView> {
  const portal = await loadPortal(deps, viewer.portalId);
  return myView(portal, normaliseEmail(viewer.email));
}

/**
 * Opts the viewer out of notification email in this portal, or back in. Once per idempotency key: a captured request
 * replayed later answers as the first did and cannot undo a change made since. Not traced: a personal preference,
 * and the trace table keeps what it holds for good.
 */
export async function setMyEmailOptOut(deps: ServiceDeps, viewer: Viewer, optOut: boolean, idempotencyKey: string): Promise<MyNotificationsView> {
  const portal = await loadPortal(deps, viewer.portalId);
  const email = normaliseEmail(viewer.email);
  const scope = { portalId: portal.id, key: idempotencyKey, userId: viewer.userId, operation: 'me.email_opt_out', fingerprint: hashJson({ emailOptOut: optOut }), at: isoNow(deps) };
  const answer = await runIdempotent<MyNotificationsView>(deps.db, scope, async (trx) => {
    await lockPortal(trx, portal.id);
    const stored = await notificationSettings(trx, portal.id);
    if (!stored) throw new Error(`portal ${portal.id} vanished while its row was locked`);
    const others = (stored.settings.emailOptOuts ?? []).filter((optedOut) => normaliseEmail(optedOut) !== email);
    const emails = optOut ? [...others, email].sort() : others;
    if (emails.length !== (stored.settings.emailOptOuts ?? []).length) await saveEmailOptOuts(trx, portal.id, emails, isoNow(deps));
    return { status: 200, body: myView({ settings: { ...stored.settings, emailOptOuts: emails } }, email) };
  });
  return answer.body;
}
