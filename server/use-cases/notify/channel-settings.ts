// Which channels tell a portal's people about requests, and who asked for no email: read from the portal's
// settings (store/portals.ts). HubSpot tasks and notes are always on; email and Slack are the portal's choice,
// email per user too. Every channel asks here, so a default lives in one place.
import { normaliseEmail } from '../../../src/directory/email.js';
import type { Portal } from '../../store/portals.js';

export interface PortalChannels {
  /** HubSpot tasks and timeline notes: always on (in shadow mode the fan-out sends nothing at all). */
  tasks: true;
  email: boolean;
  slack: boolean;
}

/**
 * Email is on unless the portal turns it off: it needs nothing from HubSpot or the approver, and a step that starts
 * should reach people at once. Slack is off until the portal turns it on (it needs a Slack connection as well).
 */
export const DEFAULT_CHANNELS: Readonly<Omit<PortalChannels, 'tasks'>> = { email: true, slack: false };

/** The channels the portal uses, defaults filled in. */
export function channelsOf(portal: Pick<Portal, 'settings'>): PortalChannels {
  const chosen = portal.settings.channels ?? {};
  return { tasks: true, email: chosen.email ?? DEFAULT_CHANNELS.email, slack: chosen.slack ?? DEFAULT_CHANNELS.slack };
}

/** Whether this person asked for no notification email in this portal (compared as `normaliseEmail` compares). */
export function emailOptedOut(portal: Pick<Portal, 'settings'>, email: string): boolean {
  const who = normaliseEmail(email);
  return (portal.settings.emailOptOuts ?? []).some((optedOut) => normaliseEmail(optedOut) === who);
}
