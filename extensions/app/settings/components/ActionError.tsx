// Why an admin action failed, in the service's words: each field problem with its path for a 400, a reload offer
// when what it changed moved on since the page loaded it (409).
import { Alert, Button, Text } from '@hubspot/ui-extensions';
import type { ApiError, ApiErrorKind } from '../service.js';

const TITLES: Record<ApiErrorKind, string> = {
  validation: 'Check what you entered',
  unauthorized: 'HubSpot could not vouch for this request',
  forbidden: 'You can’t do this',
  not_found: 'Not found',
  conflict: 'This changed since you loaded it',
  unavailable: 'The approval service is unavailable',
  network: 'No connection to the approval service',
  server: 'The approval service failed',
  bad_response: 'Unexpected answer from the approval service',
  not_configured: 'The app is not set up',
};

export function ActionError({ error, onReload, testId = 'action-error' }: { error: ApiError; onReload?: () => void; testId?: string }) {
  return (
    <Alert testId={testId} title={TITLES[error.kind]} variant={error.kind === 'conflict' ? 'warning' : 'danger'}>
      <Text>{error.message}</Text>
      {error.details.map((detail) => <Text key={`${detail.path}:${detail.message}`}>{`${detail.path}: ${detail.message}`}</Text>)}
      {error.kind === 'network' || error.kind === 'unavailable' || error.kind === 'server'
        ? <Text variant="microcopy">Sending it again is safe: the service counts it once.</Text>
        : null}
      {error.requestId ? <Text variant="microcopy">{`Reference: ${error.requestId}`}</Text> : null}
      {error.kind === 'conflict' && onReload ? <Button testId={`${testId}-reload`} onClick={onReload}>Reload the latest</Button> : null}
    </Alert>
  );
}
