// The portal's notification channels: HubSpot tasks and timeline notes always, email and Slack as the admins
// choose, saved against the settings' version the admin loaded; and whether Slack is connected, since a Slack
// channel that is on reaches nobody until it is.
import { useState } from 'react';
import { Alert, Flex, Heading, LoadingButton, Text, Toggle } from '@hubspot/ui-extensions';
import { ActionError } from '../components/ActionError.js';
import { Loaded } from '../components/Section.js';
import { formatTime, plural } from '../format.js';
import { getNotificationSettings, getSlackConnection, setNotificationChannels } from '../settings-api.js';
import type { SectionProps } from '../settings-props.js';
import type { NotificationSettingsView, SlackConnectionView } from '../settings-types.js';
import { useLoad } from '../use-load.js';
import { useSubmit } from '../use-submit.js';
import type { LoadState } from '../use-load.js';

export function NotificationsSection(section: SectionProps) {
  const { identity } = section;
  const key = JSON.stringify([identity.serviceUrl, identity.portalId, identity.userId]);
  const settings = useLoad(key, () => getNotificationSettings(identity));
  const slack = useLoad(key, () => getSlackConnection(identity));
  return (
    <Flex testId="notifications" direction="column" gap="md">
      <Heading>Notification channels</Heading>
      <Loaded state={settings.state} what="the notification settings" onRetry={settings.reload} testId="retry-notifications">
        {(view) => (
          <ChannelsForm
            key={view.version} {...section} view={view} slack={slack.state}
            onSaved={() => {
              settings.reload();
              slack.reload();
            }}
            onStale={settings.reload}
          />
        )}
      </Loaded>
    </Flex>
  );
}

function ChannelsForm({ identity, timeZone, notify, view, slack, onSaved, onStale }: SectionProps & {
  view: NotificationSettingsView;
  slack: LoadState<SlackConnectionView>;
  onSaved: () => void;
  onStale: () => void;
}) {
  const [email, setEmail] = useState(view.channels.email);
  const [slackOn, setSlackOn] = useState(view.channels.slack);
  const { busy, error, submit } = useSubmit();
  const unchanged = email === view.channels.email && slackOn === view.channels.slack;
  const connection = slack.status === 'loaded' ? slack.value : null;

  async function save() {
    const body = { channels: { email, slack: slackOn }, expectedVersion: view.version };
    const saved = await submit('channels', body, (idempotencyKey) => setNotificationChannels(identity, { ...body, idempotencyKey }));
    if (!saved) return;
    notify({ type: 'success', title: 'Notification channels saved', message: channelsLine(saved) });
    onSaved();
  }

  return (
    <Flex direction="column" gap="sm">
      <Toggle name="tasks" label="HubSpot tasks and timeline notes" checked readOnly labelDisplay="inline" />
      <Text variant="microcopy">Always on: the deal&apos;s timeline records every step.</Text>
      <Toggle name="email" label="Email" checked={email} onChange={(checked: boolean) => setEmail(checked)} labelDisplay="inline" />
      <Text variant="microcopy">
        {view.emailOptOuts.length === 0 ? 'Nobody has opted out of email.' : `${plural(view.emailOptOuts.length, 'person has', 'people have')} opted out of email: ${view.emailOptOuts.join(', ')}.`}
      </Text>
      <Toggle name="slack" label="Slack" checked={slackOn} onChange={(checked: boolean) => setSlackOn(checked)} labelDisplay="inline" />
      <Text testId="slack-status" variant="microcopy">{slackLine(slack, timeZone)}</Text>
      {slackOn && connection !== null && !connection.connected ? (
        <Alert testId="slack-not-connected" title="Slack is not connected" variant="warning">
          <Text>With Slack on and no connection, no Slack message goes out. Connect the portal&apos;s Slack app first.</Text>
        </Alert>
      ) : null}
      {error ? <ActionError testId="channels-error" error={error} onReload={onStale} /> : null}
      <LoadingButton testId="save-channels" variant="primary" loading={busy === 'channels'} disabled={unchanged} onClick={() => void save()}>
        Save channels
      </LoadingButton>
    </Flex>
  );
}

function channelsLine(view: NotificationSettingsView): string {
  const on = ['HubSpot tasks', ...(view.channels.email ? ['email'] : []), ...(view.channels.slack ? ['Slack'] : [])];
  return `Notifications go out by ${on.join(', ')}.`;
}

function slackLine(state: LoadState<SlackConnectionView>, timeZone: string): string {
  if (state.status === 'loading') return 'Checking the Slack connection…';
  if (state.status === 'error') return `Couldn't read the Slack connection: ${state.error.message}`;
  const slack = state.value;
  if (!slack.connected) return 'Slack is not connected to this portal.';
  const by = slack.connectedBy ? ` by ${slack.connectedBy}` : '';
  const at = slack.connectedAt ? ` on ${formatTime(slack.connectedAt, timeZone)}` : '';
  return `Slack is connected to ${slack.teamName ?? 'a workspace'}${by}${at}.`;
}
