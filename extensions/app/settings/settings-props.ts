// What the settings page and its sections receive: the viewer's identity, the portal's time zone, and how to tell the
// admin that something happened (HubSpot's alert banner).
import type { SettingsActions } from '@hubspot/ui-extensions';
import type { Identity } from './service.js';

export type Notify = SettingsActions['addAlert'];

export interface SectionProps {
  identity: Identity;
  timeZone: string;
  notify: Notify;
}
