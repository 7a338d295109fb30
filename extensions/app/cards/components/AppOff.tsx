// The app is installed but switched off for this portal: nothing is scored or enforced.
import { EmptyState, Text } from '@hubspot/ui-extensions';
import { Notices } from './Notices.js';

export function AppOff({ notices }: { notices: string[] }) {
  return (
    <EmptyState title="Approval routing is off for this portal" imageName="lock" layout="vertical">
      <Text>Deals are not scored and no approval is required. A HubSpot admin can turn it on in the app settings.</Text>
      <Notices notices={notices} />
    </EmptyState>
  );
}
