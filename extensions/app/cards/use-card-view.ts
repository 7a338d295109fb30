// Loads the card view of one deal for the viewer, and reloads it on demand (retry, or after an action).
import { useCallback, useEffect, useState } from 'react';
import { getCardView, type ApiError, type ApiResult, type Identity } from './api.js';
import type { CardView } from './api-types.js';

export type CardViewState =
  | { status: 'loading' }
  | { status: 'error'; error: ApiError }
  | { status: 'loaded'; view: CardView };

export function useCardView(identity: Identity, dealId: string): { state: CardViewState; reload: () => void } {
  const [attempt, setAttempt] = useState(0);
  const [answer, setAnswer] = useState<{ key: string; result: ApiResult<CardView> } | null>(null);
  const { serviceUrl, portalId, userId, userEmail } = identity;
  // What the current answer must be for: a new viewer, deal or attempt shows the spinner until its own answer lands.
  const key = JSON.stringify([serviceUrl, portalId, userId, userEmail, dealId, attempt]);

  useEffect(() => {
    let current = true;
    void getCardView({ serviceUrl, portalId, userId, userEmail }, dealId).then((result) => {
      if (current) setAnswer({ key, result });
    });
    return () => {
      current = false;
    };
  }, [key, serviceUrl, portalId, userId, userEmail, dealId]);

  const reload = useCallback(() => setAttempt((n) => n + 1), []);
  return { state: stateOf(answer, key), reload };
}

function stateOf(answer: { key: string; result: ApiResult<CardView> } | null, key: string): CardViewState {
  if (answer?.key !== key) return { status: 'loading' };
  return answer.result.ok ? { status: 'loaded', view: answer.result.value } : { status: 'error', error: answer.result.error };
}
