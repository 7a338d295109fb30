// The notification settings API's contract: which channels a portal uses (admins), and a user's own email opt-out.
// HubSpot tasks and timeline notes are always on; email and Slack are the portal's choice.
import { z } from 'zod';
import { IdempotencyKey } from './card-api.js';

export const ChannelChoice = z.strictObject({
  /** HubSpot tasks and notes cannot be turned off: they are how the deal's timeline records every step. */
  tasks: z.literal(true, 'HubSpot tasks and notes are always on').optional(),
  email: z.boolean().optional(),
  slack: z.boolean().optional(),
});

export const SetChannelsBody = z.strictObject({
  /** The channels to change; one left out keeps its setting. */
  channels: ChannelChoice,
  idempotencyKey: IdempotencyKey,
  /** The settings' version (GET /admin/notifications: `version`). */
  expectedVersion: z.int().min(1),
});

export const SetEmailOptOutBody = z.strictObject({
  /** true: no notification email for me in this portal; false: email me again. */
  emailOptOut: z.boolean(),
  idempotencyKey: IdempotencyKey,
});

export const PortalChannels = z.object({ tasks: z.literal(true), email: z.boolean(), slack: z.boolean() });

/** What an admin sees and changes. */
export const NotificationSettingsView = z.object({
  /** What PUT /admin/notifications names as `expectedVersion`. */
  version: z.int(),
  channels: PortalChannels,
  /** The people who opted out of email (each sets it for themselves). */
  emailOptOuts: z.array(z.string()),
});

/** What a user sees of their own notifications. */
export const MyNotificationsView = z.object({
  email: z.string(),
  emailOptOut: z.boolean(),
  channels: PortalChannels,
});

export type NotificationSettingsView = z.infer<typeof NotificationSettingsView>;
export type MyNotificationsView = z.infer<typeof MyNotificationsView>;
