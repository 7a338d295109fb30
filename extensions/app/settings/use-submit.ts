// Sends one user action at a time. A fresh idempotency key per action; the same key again only when the very
// same action is resent after an answer that may hide a success (no connection, 5xx), so it cannot land twice.
import { useCallback, useRef, useState } from 'react';
import { isRetryable, newIdempotencyKey, type ApiError, type ApiResult } from './service.js';

export interface Submitter {
  /** Which action is in flight ('approve', 'reject', ...), or null. */
  busy: string | null;
  /** The last failure, until the next attempt. */
  error: ApiError | null;
  /** Runs `send` with the action's key; resolves to the answer, or null when it failed (see `error`). */
  submit: <T>(action: string, payload: unknown, send: (idempotencyKey: string) => Promise<ApiResult<T>>) => Promise<T | null>;
}

export function useSubmit(): Submitter {
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const inFlight = useRef(false);
  const unsettled = useRef<{ fingerprint: string; key: string } | null>(null);

  const submit = useCallback(async <T>(
    action: string, payload: unknown, send: (idempotencyKey: string) => Promise<ApiResult<T>>,
  ): Promise<T | null> => {
    if (inFlight.current) return null;
    inFlight.current = true;
    const fingerprint = JSON.stringify([action, payload]);
    const key = unsettled.current?.fingerprint === fingerprint ? unsettled.current.key : newIdempotencyKey();
    unsettled.current = { fingerprint, key };
    setBusy(action);
    setError(null);
    const result = await send(key);
    inFlight.current = false;
    setBusy(null);
    if (result.ok || !isRetryable(result.error)) unsettled.current = null;
    if (result.ok) return result.value;
    setError(result.error);
    return null;
  }, []);

  return { busy, error, submit };
}
