// The service's own reasons why an action is not offered to this viewer.
import { List, Text } from '@hubspot/ui-extensions';

export function Notices({ notices }: { notices: string[] }) {
  if (notices.length === 0) return null;
  return (
    <List testId="notices" variant="unordered-styled">
      {notices.map((notice) => <Text key={notice}>{notice}</Text>)}
    </List>
  );
}
