// Small helpers every transition shares: typed failure, event construction, appending to history.
import { parseInstant } from '../time.js';
import type { ApprovalEvent, ApprovalState, TransitionErrorCode, TransitionResult } from './types.js';

export function fail(code: TransitionErrorCode, message: string): TransitionResult {
  return { ok: false, error: { code, message } };
}

export function event(type: ApprovalEvent['type'], at: string, actor: string | null = null, stepId: string | null = null, detail: string | null = null): ApprovalEvent {
  return { type, at, actor, stepId, detail };
}

/** The new state with `events` appended to its history: states are values, never mutated. */
export function succeed(state: ApprovalState, events: ApprovalEvent[]): TransitionResult {
  return { ok: true, state: { ...state, history: [...state.history, ...events] }, events };
}

export function checkTime(at: string): TransitionResult | null {
  return parseInstant(at) === null ? fail('invalid_time', `"${at}" is not an ISO 8601 instant with a zone`) : null;
}

export function requirePending(state: ApprovalState, action: string): TransitionResult | null {
  return state.state === 'pending' ? null : fail('illegal_transition', `cannot ${action} a request that is ${state.state}`);
}
