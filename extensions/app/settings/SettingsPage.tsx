// The app's settings page in HubSpot (Connected apps › Approval Router › Settings): the routing policy, the rollout,
// notification channels, delegations, incidents and the scorecard, one tab each. Admins see every tab; anyone else
// manages their own away windows. Only the open tab loads, so the page never asks the service for what nobody looks at.
import { useState } from 'react';
import { EmptyState, ErrorState, Flex, hubspot, LoadingSpinner, Tab, Tabs, Text } from '@hubspot/ui-extensions';
import type { SettingsActions, SettingsContext } from '@hubspot/ui-extensions';
import { LoadError } from './components/LoadError.js';
import { DelegationsSection } from './sections/DelegationsSection.js';
import { IncidentsSection } from './sections/IncidentsSection.js';
import { NotificationsSection } from './sections/NotificationsSection.js';
import { PolicySection } from './sections/PolicySection.js';
import { RolloutSection } from './sections/RolloutSection.js';
import { ScorecardSection } from './sections/ScorecardSection.js';
import { identityOf, type Identity } from './service.js';
import { getPolicy } from './settings-api.js';
import type { SectionProps } from './settings-props.js';
import { useLoad } from './use-load.js';

hubspot.extend<'settings'>(({ context, actions }) => <SettingsPage context={context} actions={actions} />);

export interface SettingsPageProps {
  context: Pick<SettingsContext, 'portal' | 'user' | 'variables'>;
  actions: Pick<SettingsActions, 'addAlert'>;
}

export const TABS = ['policy', 'rollout', 'notifications', 'delegations', 'incidents', 'scorecard'] as const;
export type TabId = (typeof TABS)[number];

const TITLES: Record<TabId, string> = {
  policy: 'Policy',
  rollout: 'Rollout',
  notifications: 'Notifications',
  delegations: 'Delegations',
  incidents: 'Incidents',
  scorecard: 'Scorecard',
};

export function SettingsPage({ context, actions }: SettingsPageProps) {
  const identity = identityOf(context);
  const section: SectionProps = { identity, timeZone: context.portal.timezone, notify: actions.addAlert };
  // The policy overview says whether the viewer administers the app (403: they do not) and carries the flag and
  // versions the policy and rollout tabs share.
  const { state, reload } = useLoad(keyOf(identity), () => getPolicy(identity));
  const [tab, setTab] = useState<TabId>('policy');

  if (state.status === 'loading') return <LoadingSpinner label="Loading the approval settings" showLabel layout="centered" />;
  if (state.status === 'error') {
    const { error } = state;
    if (error.kind === 'forbidden') return <NotAnAdmin section={section} message={error.message} />;
    if (error.kind === 'not_found') {
      return (
        <ErrorState testId="not-installed" title="Approval Router is not installed in this portal" type="error">
          <Text>{error.message}</Text>
          <Text>A super admin installs it from the app&apos;s install link; this page then manages it.</Text>
        </ErrorState>
      );
    }
    return <LoadError title="Couldn't load the approval settings" error={error} onRetry={reload} />;
  }

  const overview = state.value;
  return (
    <Tabs testId="settings-tabs" selected={tab} onSelectedChange={(id: string | number) => setTab(asTab(id))}>
      {TABS.map((id) => (
        <Tab key={id} tabId={id} title={TITLES[id]}>
          {id !== tab ? null
            : id === 'policy' ? <PolicySection {...section} overview={overview} onChanged={reload} />
            : id === 'rollout' ? <RolloutSection {...section} overview={overview} onChanged={reload} />
            : id === 'notifications' ? <NotificationsSection {...section} />
            : id === 'delegations' ? <DelegationsSection {...section} />
            : id === 'incidents' ? <IncidentsSection {...section} />
            : <ScorecardSection {...section} />}
        </Tab>
      ))}
    </Tabs>
  );
}

/** Not one of the portal's approval-router admins: their own away windows, and who to ask for the rest. */
function NotAnAdmin({ section, message }: { section: SectionProps; message: string }) {
  return (
    <Flex direction="column" gap="md">
      <EmptyState testId="not-an-admin" title="Your away windows" layout="horizontal" imageName="lock" flush>
        <Text>{message}</Text>
        <Text>You can still set who approves for you while you are away.</Text>
      </EmptyState>
      <DelegationsSection {...section} />
    </Flex>
  );
}

function asTab(id: string | number): TabId {
  return TABS.find((candidate) => candidate === id) ?? 'policy';
}

function keyOf(identity: Identity): string {
  return JSON.stringify([identity.serviceUrl, identity.portalId, identity.userId, identity.userEmail]);
}
