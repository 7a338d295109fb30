// The sidebar's short story of what waits on the viewer: who asks, why, and the deal's score.
import { DescriptionList, DescriptionListItem, Heading, Text } from '@hubspot/ui-extensions';
import type { RequestView } from '../api-types.js';
import { formatTime } from '../format.js';

export function WaitingSummary({ request, dealScore, timeZone }: { request: RequestView; dealScore: number | null; timeZone: string }) {
  return (
    <>
      <Heading>Waiting on you</Heading>
      <DescriptionList direction="column">
        <DescriptionListItem label="Requested by">{`${request.requester}, ${formatTime(request.createdAt, timeZone)}`}</DescriptionListItem>
        <DescriptionListItem label="Score">{String(dealScore ?? request.score)}</DescriptionListItem>
      </DescriptionList>
      <Text>{`“${request.justification}”`}</Text>
      <Text variant="microcopy">The deal’s Approvals tab shows the full route and every decision.</Text>
    </>
  );
}
