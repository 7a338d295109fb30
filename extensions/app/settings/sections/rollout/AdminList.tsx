// Who may administer the app here: the portal's HubSpot super admins, the admins listed in its settings, and the
// user who installed it. The service checks the same list on every admin call.
import { DescriptionList, DescriptionListItem, Flex, Heading, Text } from '@hubspot/ui-extensions';
import { Loaded } from '../../components/Section.js';
import { formatTime } from '../../format.js';
import { getAdmins } from '../../settings-api.js';
import type { SectionProps } from '../../settings-props.js';
import { useLoad } from '../../use-load.js';

export function AdminList({ identity, timeZone }: Pick<SectionProps, 'identity' | 'timeZone'>) {
  const key = JSON.stringify([identity.serviceUrl, identity.portalId, identity.userId]);
  const { state, reload } = useLoad(key, () => getAdmins(identity));
  return (
    <Flex testId="admins" direction="column" gap="sm">
      <Heading>Who administers approval routing</Heading>
      <Loaded state={state} what="the admins" onRetry={reload} testId="retry-admins">
        {(admins) => (
          <>
            <DescriptionList direction="column">
              <DescriptionListItem label="HubSpot super admins">
                {admins.superAdmins.length > 0 ? admins.superAdmins.join(', ') : 'none read'}
              </DescriptionListItem>
              <DescriptionListItem label="Listed in the app's settings">{admins.listed.length > 0 ? admins.listed.join(', ') : 'none'}</DescriptionListItem>
              <DescriptionListItem label="Installed by">{admins.installedBy ?? 'not recorded'}</DescriptionListItem>
            </DescriptionList>
            {admins.superAdminsError ? <Text testId="super-admins-error">{`HubSpot's users could not be read: ${admins.superAdminsError}`}</Text> : null}
            {admins.superAdminsReadAt ? <Text variant="microcopy">{`Super admins as read ${formatTime(admins.superAdminsReadAt, timeZone)}.`}</Text> : null}
          </>
        )}
      </Loaded>
    </Flex>
  );
}
