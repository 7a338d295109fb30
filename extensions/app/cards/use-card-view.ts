// Loads the card view of one deal for the viewer, and reloads it on demand (retry, or after an action).
//
// The request carries the deal's hs_lastmodifieddate, read with useCrmProperties, as a freshness hint: the service
// may answer from its own copy of the deal when that copy is at least as new, instead of reading the deal from
// HubSpot. HubSpot usually hands the property over within moments of the card mounting, so the first request waits
// for it, but never longer than HINT_WAIT_MS (nor at all once HubSpot reports an error): without the hint the service
// reads the deal live, which costs less than waiting longer would. A hint that arrives later is used by the next load.
import { useCrmProperties } from '@hubspot/ui-extensions/crm';
import { useCallback, useEffect, useRef, useState } from 'react';
import { dealModifiedAtHint, getCardView, type ApiError, type ApiResult, type Identity } from './api.js';
import type { CardView } from './api-types.js';

/** The longest the first request waits for HubSpot to hand over hs_lastmodifieddate. */
export const HINT_WAIT_MS = 1_000;

/** Read once per card: a stable array, so the hook does not ask HubSpot again on every render. */
const FRESHNESS_PROPERTIES = ['hs_lastmodifieddate'];

export type CardViewState =
  | { status: 'loading' }
  | { status: 'error'; error: ApiError }
  | { status: 'loaded'; view: CardView };

export function useCardView(identity: Identity, dealId: string): { state: CardViewState; reload: () => void } {
  const freshness = useDealFreshness();
  const [attempt, setAttempt] = useState(0);
  const [answer, setAnswer] = useState<{ key: string; result: ApiResult<CardView> } | null>(null);
  const { serviceUrl, portalId, userId, userEmail } = identity;
  // What the current answer must be for: a new viewer, deal or attempt shows the spinner until its own answer lands.
  const key = JSON.stringify([serviceUrl, portalId, userId, userEmail, dealId, attempt]);

  // The hint as it is when a request goes out; a later change alone does not send another request.
  const hint = useRef<string | null>(null);
  useEffect(() => {
    hint.current = freshness.dealModifiedAt;
  }, [freshness.dealModifiedAt]);

  useEffect(() => {
    if (!freshness.settled) return undefined;
    let current = true;
    void getCardView({ serviceUrl, portalId, userId, userEmail }, dealId, { dealModifiedAt: hint.current }).then((result) => {
      if (current) setAnswer({ key, result });
    });
    return () => {
      current = false;
    };
  }, [key, freshness.settled, serviceUrl, portalId, userId, userEmail, dealId]);

  const reload = useCallback(() => setAttempt((n) => n + 1), []);
  return { state: stateOf(answer, key), reload };
}

function stateOf(answer: { key: string; result: ApiResult<CardView> } | null, key: string): CardViewState {
  if (answer?.key !== key) return { status: 'loading' };
  return answer.result.ok ? { status: 'loaded', view: answer.result.value } : { status: 'error', error: answer.result.error };
}

/**
 * The deal's hs_lastmodifieddate as HubSpot shows it to the card (null until known, or when unusable), and whether
 * the first request may go: once HubSpot has answered (with the property or an error), or HINT_WAIT_MS have passed.
 */
function useDealFreshness(): { settled: boolean; dealModifiedAt: string | null } {
  const { properties, isLoading, error } = useCrmProperties(FRESHNESS_PROPERTIES);
  const [waitedLongEnough, setWaitedLongEnough] = useState(false);
  useEffect(() => {
    if (!isLoading) return undefined;
    const timer = setTimeout(() => setWaitedLongEnough(true), HINT_WAIT_MS);
    return () => clearTimeout(timer);
  }, [isLoading]);
  const dealModifiedAt = isLoading || error ? null : dealModifiedAtHint(properties.hs_lastmodifieddate);
  return { settled: !isLoading || waitedLongEnough, dealModifiedAt };
}
