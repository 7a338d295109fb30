// Test support for the settings page: the page on HubSpot's own test renderer at the `settings` location, for a
// viewer, against the cards' fake service (harness.tsx).
import type { UserContext } from '@hubspot/ui-extensions';
import { createRenderer } from '@hubspot/ui-extensions/testing';
import type { RenderedElementNode, Renderer } from '@hubspot/ui-extensions/testing';
import { SettingsPage, type SettingsPageProps } from '../../extensions/app/settings/SettingsPage.js';
import { PORTAL_ID } from './fixtures.js';
import { SERVICE_URL, TIME_ZONE } from './harness.js';

export const ADMIN_API = '/api/v1/admin';

export function settingsContext(viewer: { email: string; userId: string }): SettingsPageProps['context'] {
  const user: UserContext = {
    id: Number(viewer.userId), email: viewer.email, emails: [viewer.email], firstName: 'Test', lastName: 'Admin',
    roles: [], teams: [], permissions: [],
  };
  return { portal: { id: Number(PORTAL_ID), timezone: TIME_ZONE }, user, variables: { SERVICE_URL } };
}

export function renderSettings(viewer: { email: string; userId: string }): Renderer<'settings'> {
  const renderer = createRenderer('settings');
  renderer.render(<SettingsPage context={settingsContext(viewer)} actions={renderer.mocks.actions} />);
  return renderer;
}

/** Triggers an input's onChange with a value, as the user typing or choosing it would. (The testing types want the
 * handler as trigger's argument; the value is what runs.) */
export function change<P extends { onChange?: unknown }>(node: RenderedElementNode<P>, value: unknown): void {
  (node.trigger as (event: string, value: unknown) => void)('onChange', value);
}
