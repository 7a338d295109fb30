// A section could not load: say why in the service's words, and offer a retry.
import { Button, ErrorState, Text } from '@hubspot/ui-extensions';
import type { ApiError } from '../service.js';

export function LoadError({ title, error, onRetry, testId }: { title: string; error: ApiError; onRetry: () => void; testId?: string }) {
  return (
    <ErrorState title={title} type={error.kind === 'forbidden' ? 'lock' : 'error'}>
      <Text>{error.message}</Text>
      {error.requestId ? <Text variant="microcopy">{`Reference: ${error.requestId}`}</Text> : null}
      <Button testId={testId ?? 'retry-load'} onClick={onRetry}>Try again</Button>
    </ErrorState>
  );
}
