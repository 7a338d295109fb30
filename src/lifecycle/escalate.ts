// A step past its SLA escalates once: the state records when and to whom, so the worker creates the
// task and incident packet exactly once, and the request keeps waiting for its approvers.
import { normaliseEmail } from '../directory/email.js';
import { isDue } from './close.js';
import { checkTime, event, fail, requirePending, succeed } from './transition.js';
import type { TransitionResult, ApprovalState } from './types.js';

export function escalate(state: ApprovalState, command: { to: string[] }, at: string): TransitionResult {
  const invalid = checkTime(at) ?? requirePending(state, 'escalate');
  if (invalid) return invalid;
  const index = state.currentStep ?? 0;
  const step = state.steps[index];
  if (!step) return fail('illegal_transition', 'the request has no active step');
  if (step.escalatedAt !== null) return fail('already_escalated', `step "${step.id}" was escalated at ${step.escalatedAt}`);
  if (!isDue(step, at)) return fail('not_due', `step "${step.id}" is due at ${step.dueAt ?? 'no time'}`);
  const to = command.to.map(normaliseEmail);
  const steps = state.steps.map((s, i) => (i === index ? { ...s, escalatedAt: at } : s));
  return succeed({ ...state, steps }, [event('step_escalated', at, null, step.id, to.join(', '))]);
}
