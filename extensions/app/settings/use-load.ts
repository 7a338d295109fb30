// Loads one answer from the service for a section, and loads it again on demand (a retry, or after a write). While
// a reload runs the section keeps showing what it had, marked as refreshing; a new key (another viewer, another
// filter) shows the spinner until its own answer lands.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ApiError, ApiResult } from './service.js';

export type LoadState<T> =
  | { status: 'loading' }
  | { status: 'error'; error: ApiError }
  | { status: 'loaded'; value: T; refreshing: boolean };

interface Answer<T> {
  key: string;
  attempt: number;
  result: ApiResult<T>;
}

/** `key` names what is loaded (the identity and any filter); `load` is called again when it changes or on reload. */
export function useLoad<T>(key: string, load: () => Promise<ApiResult<T>>): { state: LoadState<T>; reload: () => void } {
  const [attempt, setAttempt] = useState(0);
  const [answer, setAnswer] = useState<Answer<T> | null>(null);
  // The loader as of the latest render; a new function alone (every render makes one) sends no request.
  const loader = useRef(load);
  useEffect(() => {
    loader.current = load;
  });

  useEffect(() => {
    let current = true;
    void loader.current().then((result) => {
      if (current) setAnswer({ key, attempt, result });
    });
    return () => {
      current = false;
    };
  }, [key, attempt]);

  const reload = useCallback(() => setAttempt((n) => n + 1), []);
  return { state: stateOf(answer, key, attempt), reload };
}

function stateOf<T>(answer: Answer<T> | null, key: string, attempt: number): LoadState<T> {
  if (answer?.key !== key) return { status: 'loading' };
  const refreshing = answer.attempt !== attempt;
  if (answer.result.ok) return { status: 'loaded', value: answer.result.value, refreshing };
  return refreshing ? { status: 'loading' } : { status: 'error', error: answer.result.error };
}
