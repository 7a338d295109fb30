// Ending a request other than by decision: the requester withdraws it, a material change invalidates
// it, or its active step runs out of time.
import { normaliseEmail } from '../directory/email.js';
import { parseInstant } from '../time.js';
import { checkTime, event, fail, requirePending, succeed } from './transition.js';
import type { ApprovalState, StepState, TransitionResult } from './types.js';

export function withdraw(state: ApprovalState, command: { by: string; reason?: string | null }, at: string): TransitionResult {
  const invalid = checkTime(at) ?? requirePending(state, 'withdraw');
  if (invalid) return invalid;
  const by = normaliseEmail(command.by);
  if (by !== state.requester) return fail('not_requester', `only the requester (${state.requester}) can withdraw this request`);
  return succeed(closed(state, 'withdrawn', at), [event('request_withdrawn', at, by, null, command.reason?.trim() || null)]);
}

/** A pending or approved request stops counting: the deal needs a new approval. */
export function invalidate(state: ApprovalState, command: { reason: string }, at: string): TransitionResult {
  const invalid = checkTime(at);
  if (invalid) return invalid;
  if (state.state !== 'pending' && state.state !== 'approved') {
    return fail('illegal_transition', `cannot invalidate a request that is ${state.state}`);
  }
  return succeed(closed(state, 'invalidated', at), [event('request_invalidated', at, null, null, command.reason)]);
}

/**
 * A pending request whose active step is past its due time closes as invalidated (there is no
 * separate "expired" state: either way the deal needs a fresh approval); the event says it expired.
 * When to expire rather than keep escalating is the caller's policy.
 */
export function expire(state: ApprovalState, command: { reason?: string | null }, at: string): TransitionResult {
  const invalid = checkTime(at) ?? requirePending(state, 'expire');
  if (invalid) return invalid;
  const step = state.steps[state.currentStep ?? 0];
  if (!isDue(step, at)) return fail('not_due', `step "${step?.id ?? '?'}" is not past its due time (${step?.dueAt ?? 'none'})`);
  return succeed(closed(state, 'invalidated', at), [event('request_expired', at, null, step?.id ?? null, command.reason?.trim() || 'the step passed its due time')]);
}

export function isDue(step: StepState | undefined, at: string): boolean {
  const due = step?.dueAt ? parseInstant(step.dueAt) : null;
  const now = parseInstant(at);
  return due !== null && now !== null && now >= due;
}

function closed(state: ApprovalState, status: 'withdrawn' | 'invalidated', at: string): ApprovalState {
  const steps = state.steps.map((s) => (s.status === 'active' || s.status === 'waiting' ? { ...s, status: 'skipped' as const } : s));
  return { ...state, state: status, steps, currentStep: null, closedAt: at };
}
