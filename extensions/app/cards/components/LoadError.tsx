// The card could not load: say why in the service's words, and offer a retry.
import { Button, ErrorState, Text } from '@hubspot/ui-extensions';
import type { ApiError } from '../api.js';

export function LoadError({ error, onRetry }: { error: ApiError; onRetry: () => void }) {
  return (
    <ErrorState title="Couldn't load approvals for this deal" type={error.kind === 'forbidden' ? 'lock' : 'error'}>
      <Text>{error.message}</Text>
      {error.requestId ? <Text variant="microcopy">Reference: {error.requestId}</Text> : null}
      <Button testId="retry-load" onClick={onRetry}>Try again</Button>
    </ErrorState>
  );
}
