// The notifications tab on HubSpot's test renderer: tasks always on, email and Slack switched against the settings'
// version, and whether Slack is connected.
import { Alert, Button, LoadingButton, Tabs, Text, Toggle } from '@hubspot/ui-extensions';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { answer, fakeService, loaded, ok, screen, type Reply } from './harness.js';
import { ADMIN, notificationSettings, overviews, slackConnections } from './settings-fixtures.js';
import { ADMIN_API, change, renderSettings } from './settings-harness.js';

afterEach(() => {
  vi.restoreAllMocks();
});

const settingsPath = `${ADMIN_API}/notifications`;
const slackPath = `${ADMIN_API}/slack`;

async function openNotifications(routes: Record<string, Reply | Reply[]>) {
  const service = fakeService({ [`GET ${ADMIN_API}/policy`]: ok(overviews.running), ...routes });
  const page = renderSettings(ADMIN);
  await loaded(page);
  page.find(Tabs).trigger('onSelectedChange', 'notifications' as unknown as never);
  await vi.waitFor(() => expect(page.find(Tabs).props.selected).toBe('notifications'));
  await loaded(page);
  await vi.waitFor(() => expect(page.findByTestId(Text, 'slack-status').toString()).not.toContain('Checking'));
  return { service, page };
}

describe('the notifications tab', () => {
  it('shows tasks always on and read-only, email and Slack as set, and who opted out of email', async () => {
    const { page } = await openNotifications({ [`GET ${settingsPath}`]: ok(notificationSettings.emailOn), [`GET ${slackPath}`]: ok(slackConnections.connected) });
    const tasks = page.find(Toggle, { name: 'tasks' });
    expect(tasks.props.checked).toBe(true);
    expect(tasks.props.readOnly).toBe(true);
    expect(page.find(Toggle, { name: 'email' }).props.checked).toBe(true);
    expect(page.find(Toggle, { name: 'slack' }).props.checked).toBe(false);
    expect(screen(page)).toContain('1 person has opted out of email: rita.rep@acme.example.');
    expect(page.findByTestId(Text, 'slack-status').toString()).toContain('Slack is connected to Acme by ada.admin@acme.example');
    expect(page.findByTestId(LoadingButton, 'save-channels').props.disabled).toBe(true);
  });

  it('turns Slack on against the version the admin saw, then reloads the settings and the connection', async () => {
    const saved = { ...notificationSettings.emailOn, version: 3, channels: { tasks: true, email: true, slack: true } };
    const { page, service } = await openNotifications({
      [`GET ${settingsPath}`]: [ok(notificationSettings.emailOn), ok(saved)], [`PUT ${settingsPath}`]: ok(saved),
      [`GET ${slackPath}`]: ok(slackConnections.connected),
    });
    change(page.find(Toggle, { name: 'slack' }), true);
    expect(page.maybeFindByTestId(Alert, 'slack-not-connected')).toBeNull();
    page.findByTestId(LoadingButton, 'save-channels').trigger('onClick');
    await vi.waitFor(() => expect(page.mocks.actions.addAlert.callCount).toBe(1));
    expect(service.sent.find((request) => request.method === 'PUT')!.body).toEqual({
      channels: { email: true, slack: true }, expectedVersion: 2, idempotencyKey: expect.any(String),
    });
    expect(page.mocks.actions.addAlert.calls[0]![0]).toMatchObject({ title: 'Notification channels saved', message: 'Notifications go out by HubSpot tasks, email, Slack.' });
    await vi.waitFor(() => expect(service.sent.filter((request) => request.path === settingsPath && request.method === 'GET')).toHaveLength(2));
    expect(service.sent.filter((request) => request.path === slackPath)).toHaveLength(2);
    await vi.waitFor(() => expect(page.find(Toggle, { name: 'slack' }).props.checked).toBe(true));
  });

  it('warns that Slack reaches nobody while it is not connected', async () => {
    const { page } = await openNotifications({ [`GET ${settingsPath}`]: ok(notificationSettings.tasksOnly), [`GET ${slackPath}`]: ok(slackConnections.notConnected) });
    expect(page.findByTestId(Text, 'slack-status').toString()).toContain('Slack is not connected to this portal.');
    expect(page.maybeFindByTestId(Alert, 'slack-not-connected')).toBeNull();
    change(page.find(Toggle, { name: 'slack' }), true);
    await vi.waitFor(() => expect(page.maybeFindByTestId(Alert, 'slack-not-connected')).not.toBeNull());
    expect(screen(page)).toContain('Nobody has opted out of email.');
  });

  it('says when someone changed the channels since, and reloads the latest on request', async () => {
    const conflict = { error: { code: 'conflict', message: 'The notification settings are at version 2, not 1.' } };
    const { page, service } = await openNotifications({
      [`GET ${settingsPath}`]: [ok(notificationSettings.tasksOnly), ok(notificationSettings.emailOn)], [`PUT ${settingsPath}`]: answer(409, conflict),
      [`GET ${slackPath}`]: ok(slackConnections.notConnected),
    });
    change(page.find(Toggle, { name: 'email' }), true);
    page.findByTestId(LoadingButton, 'save-channels').trigger('onClick');
    await vi.waitFor(() => expect(page.maybeFindByTestId(Alert, 'channels-error')).not.toBeNull());
    expect(page.findByTestId(Alert, 'channels-error').toString()).toContain('The notification settings are at version 2, not 1.');
    page.findByTestId(Button, 'channels-error-reload').trigger('onClick');
    await vi.waitFor(() => expect(screen(page)).toContain('rita.rep@acme.example'));
    expect(service.sent.filter((request) => request.path === settingsPath && request.method === 'GET')).toHaveLength(2);
    expect(page.maybeFindByTestId(Alert, 'channels-error')).toBeNull();
    expect(page.mocks.actions.addAlert.callCount).toBe(0);
  });

  it('says when the Slack connection could not be read, and still lets the admin choose channels', async () => {
    const { page } = await openNotifications({
      [`GET ${settingsPath}`]: ok(notificationSettings.tasksOnly),
      [`GET ${slackPath}`]: answer(503, { error: { code: 'unavailable', message: 'The service cannot reach its database right now.' } }),
    });
    expect(page.findByTestId(Text, 'slack-status').toString()).toContain('Couldn\'t read the Slack connection: The service cannot reach its database right now.');
    change(page.find(Toggle, { name: 'email' }), true);
    expect(page.findByTestId(LoadingButton, 'save-channels').props.disabled).toBe(false);
  });
});
