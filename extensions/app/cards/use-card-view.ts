// Loads the card view of one deal for the viewer, and reloads it on demand (retry, or after an action).
import { useCallback, useEffect, useState } from 'react';
import { getCardView, type ApiError, type Identity } from './api.js';
import type { CardView } from './api-types.js';

export type CardViewState =
  | { status: 'loading' }
  | { status: 'error'; error: ApiError }
  | { status: 'loaded'; view: CardView };

export function useCardView(identity: Identity, dealId: string): { state: CardViewState; reload: () => void } {
  const [state, setState] = useState<CardViewState>({ status: 'loading' });
  const [attempt, setAttempt] = useState(0);
  const { portalId, userId, userEmail } = identity;

  useEffect(() => {
    let current = true;
    setState({ status: 'loading' });
    void getCardView({ portalId, userId, userEmail }, dealId).then((result) => {
      if (!current) return;
      setState(result.ok ? { status: 'loaded', view: result.value } : { status: 'error', error: result.error });
    });
    return () => {
      current = false;
    };
  }, [portalId, userId, userEmail, dealId, attempt]);

  const reload = useCallback(() => setAttempt((n) => n + 1), []);
  return { state, reload };
}
