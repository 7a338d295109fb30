// The deal's earlier requests, newest first, each with its steps, decisions and comments. Loaded when the viewer
// asks (a button), so the card's first answer stays one call.
import { Button, Flex, Heading, LoadingSpinner, Text, Tile } from '@hubspot/ui-extensions';
import { useState } from 'react';
import { getRequestHistory, type ApiError, type Identity } from '../api.js';
import type { RequestView } from '../api-types.js';
import { formatTime } from '../format.js';
import { RequestStateTag } from './RequestStateTag.js';
import { StepTile } from './StepTile.js';

type HistoryState =
  | { status: 'closed' }
  | { status: 'loading' }
  | { status: 'error'; error: ApiError }
  | { status: 'loaded'; requests: RequestView[]; more: boolean };

export function RequestHistory({ identity, dealId, currentRequestId, timeZone }: { identity: Identity; dealId: string; currentRequestId: string; timeZone: string }) {
  const [state, setState] = useState<HistoryState>({ status: 'closed' });
  const load = () => {
    setState({ status: 'loading' });
    void getRequestHistory(identity, dealId).then((result) => {
      setState(result.ok
        ? { status: 'loaded', requests: result.value.requests.filter((request) => request.id !== currentRequestId), more: result.value.more }
        : { status: 'error', error: result.error });
    });
  };

  if (state.status === 'closed') return <Button testId="show-history" variant="secondary" size="sm" onClick={load}>Show earlier requests</Button>;
  if (state.status === 'loading') return <LoadingSpinner label="Loading earlier requests" showLabel />;
  if (state.status === 'error') {
    return (
      <Flex direction="column" gap="xs">
        <Text testId="history-error">{`Couldn't load earlier requests: ${state.error.message}`}</Text>
        <Button testId="retry-history" variant="secondary" size="sm" onClick={load}>Try again</Button>
      </Flex>
    );
  }
  return (
    <Flex direction="column" gap="sm">
      <Heading>Earlier requests</Heading>
      {state.requests.length === 0 ? <Text testId="no-earlier-requests">No earlier requests for this deal.</Text> : null}
      {state.requests.map((request) => (
        <Tile key={request.id} testId={`history-${request.id}`}>
          <Flex direction="row" gap="sm" align="center">
            <Text format={{ fontWeight: 'demibold' }}>{`Requested by ${request.requester} on ${formatTime(request.createdAt, timeZone)}`}</Text>
            <RequestStateTag state={request.state} />
          </Flex>
          <Text>{`Score ${request.score} · justification: ${request.justification}`}</Text>
          {request.outcomeNote ? <Text>{request.outcomeNote}</Text> : null}
          {request.steps.map((step) => <StepTile key={step.id} step={step} timeZone={timeZone} idPrefix={`${request.id}-`} />)}
        </Tile>
      ))}
      {state.more ? <Text variant="microcopy">Older requests are not shown.</Text> : null}
    </Flex>
  );
}
