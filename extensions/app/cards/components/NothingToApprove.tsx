// Nothing waits here for this viewer: say so, and why, rather than show an empty card.
import { EmptyState, Text } from '@hubspot/ui-extensions';
import { Notices } from './Notices.js';

export function NothingToApprove({ title, notices }: { title: string; notices: string[] }) {
  return (
    <EmptyState testId="nothing-to-approve" title={title} imageName="task" layout="horizontal" flush>
      <Text>No approval request on this deal needs anything from you.</Text>
      <Notices notices={notices} />
    </EmptyState>
  );
}
