// An approver's decision on the active step: one decision per approver per step, a rejection ends the
// request, and enough approvals (any, all or quorum) complete the step and start the next.
import { normaliseEmail } from '../directory/email.js';
import { addHours } from '../time.js';
import { checkTime, event, fail, requirePending, succeed } from './transition.js';
import type { ApprovalEvent, ApprovalState, StepState, TransitionResult } from './types.js';

export interface DecideCommand {
  approver: string;
  verdict: 'approve' | 'reject';
  comment?: string | null;
}

export function decide(state: ApprovalState, command: DecideCommand, at: string): TransitionResult {
  const invalid = checkTime(at) ?? requirePending(state, 'decide on');
  if (invalid) return invalid;
  const index = state.currentStep ?? 0;
  const step = state.steps[index];
  if (!step) return fail('illegal_transition', 'the request has no active step');
  const approver = normaliseEmail(command.approver);
  // Routing already keeps them out; this guards states built from older or hand-edited data.
  if (approver === state.requester) return fail('self_approval', 'the requester cannot decide on their own request');
  if (approver === state.owner) return fail('self_approval', 'the deal owner cannot decide on a request for their own deal');
  if (!step.approvers.includes(approver)) {
    return fail('not_an_approver', `${approver} is not an approver of step "${step.id}" (approvers: ${step.approvers.join(', ')})`);
  }
  if (step.decisions.some((d) => d.approver === approver)) return fail('already_decided', `${approver} already decided on step "${step.id}"`);
  const comment = command.comment?.trim() || null;
  if (command.verdict === 'reject' && comment === null) return fail('comment_required', 'a rejection needs a comment that says why');

  const decided: StepState = { ...step, decisions: [...step.decisions, { approver, verdict: command.verdict, comment, at }] };
  const events: ApprovalEvent[] = [event('decision_recorded', at, approver, step.id, command.verdict)];
  if (command.verdict === 'reject') {
    const steps = replaceFrom(state.steps, index, { ...decided, status: 'rejected' });
    events.push(event('step_rejected', at, approver, step.id, comment), event('request_rejected', at, approver, null, comment));
    return succeed({ ...state, state: 'rejected', steps, currentStep: null, closedAt: at }, events);
  }
  const approvals = decided.decisions.filter((d) => d.verdict === 'approve').length;
  if (approvals < decided.quorum) {
    return succeed({ ...state, steps: replaceFrom(state.steps, index, decided) }, events);
  }
  events.push(event('step_approved', at, null, step.id, `${approvals} of ${decided.quorum} approvals`));
  const next = state.steps[index + 1];
  if (!next) {
    events.push(event('request_approved', at));
    const steps = replaceFrom(state.steps, index, { ...decided, status: 'approved' });
    return succeed({ ...state, state: 'approved', steps, currentStep: null, closedAt: at }, events);
  }
  const started: StepState = { ...next, status: 'active', startedAt: at, dueAt: addHours(at, next.slaHours) };
  const steps = state.steps.map((s, i) => (i === index ? { ...decided, status: 'approved' as const } : i === index + 1 ? started : s));
  events.push(event('step_started', at, null, next.id));
  return succeed({ ...state, steps, currentStep: index + 1 }, events);
}

/** The steps with the one at `index` replaced and, when it ends the request, later ones skipped. */
function replaceFrom(steps: readonly StepState[], index: number, replacement: StepState): StepState[] {
  const ends = replacement.status === 'rejected';
  return steps.map((s, i) => (i === index ? replacement : ends && i > index ? { ...s, status: 'skipped' as const } : s));
}
