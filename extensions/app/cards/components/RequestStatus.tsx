// The current request: its state, who asked and why, and each step with its status, decisions and who is waited on.
import { DescriptionList, DescriptionListItem, Flex, Heading, Text } from '@hubspot/ui-extensions';
import type { RequestView } from '../api-types.js';
import { formatTime } from '../format.js';
import { RequestStateTag } from './RequestStateTag.js';
import { StepTile } from './StepTile.js';

export function RequestStatus({ request, timeZone, shadow }: { request: RequestView; timeZone: string; shadow: boolean }) {
  return (
    <>
      <Flex direction="row" gap="sm" align="center">
        <Heading inline>{shadow ? 'Approval request (preview)' : 'Approval request'}</Heading>
        <RequestStateTag state={request.state} />
      </Flex>
      <DescriptionList direction="row">
        <DescriptionListItem label="Requested by">{request.requester}</DescriptionListItem>
        <DescriptionListItem label="Requested on">{formatTime(request.createdAt, timeZone)}</DescriptionListItem>
        <DescriptionListItem label="Score when requested">{String(request.score)}</DescriptionListItem>
      </DescriptionList>
      <Text>{`Justification: ${request.justification}`}</Text>
      {request.outcomeNote ? <Text testId="outcome-note">{request.outcomeNote}</Text> : null}
      {request.steps.map((step) => <StepTile key={step.id} step={step} timeZone={timeZone} />)}
    </>
  );
}
