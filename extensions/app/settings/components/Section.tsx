// A section's frame while its answer loads or fails; the section itself renders the loaded answer.
import type { ReactNode } from 'react';
import { LoadingSpinner } from '@hubspot/ui-extensions';
import type { LoadState } from '../use-load.js';
import { LoadError } from './LoadError.js';

export function Loaded<T>({ state, what, onRetry, children, testId }: {
  state: LoadState<T>;
  /** What is loading, as the spinner and the error title say it ("the delegations"). */
  what: string;
  onRetry: () => void;
  children: (value: T) => ReactNode;
  testId?: string;
}) {
  if (state.status === 'loading') return <LoadingSpinner label={`Loading ${what}`} showLabel layout="centered" />;
  if (state.status === 'error') return <LoadError title={`Couldn't load ${what}`} error={state.error} onRetry={onRetry} testId={testId} />;
  return <>{children(state.value)}</>;
}
