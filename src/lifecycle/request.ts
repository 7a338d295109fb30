// Opening a request from a routing result: the first step starts at once with its SLA clock,
// or the policy's auto-approve route closes it on the spot.
import { normaliseEmail } from '../directory/email.js';
import type { RouteResult } from '../routing/types.js';
import { addHours } from '../time.js';
import { checkTime, event, fail, succeed } from './transition.js';
import type { ApprovalState, StepState, TransitionResult } from './types.js';

export interface RequestCommand {
  requester: string;
  justification: string;
  route: RouteResult;
  policyHash: string;
}

/** Opens a request; `previous` is the deal's current request, which must not still be pending. */
export function request(previous: ApprovalState | null, command: RequestCommand, at: string): TransitionResult {
  const invalid = checkTime(at) ?? checkPrevious(previous);
  if (invalid) return invalid;
  const { outcome } = command.route;
  if (outcome.kind === 'auto_approved') return autoApprove(previous, command, at);
  if (outcome.kind === 'unroutable') return fail('unroutable', `the deal cannot be routed: ${outcome.reason}`);
  const justification = command.justification.trim();
  if (justification === '') return fail('justification_required', 'a request needs a justification');
  const requester = normaliseEmail(command.requester);
  const steps: StepState[] = outcome.steps.map((step, i) => ({
    id: step.id,
    mode: step.mode,
    quorum: step.required,
    approvers: [...step.approvers],
    decisions: [],
    status: i === 0 ? 'active' : 'waiting',
    slaHours: step.slaHours,
    startedAt: i === 0 ? at : null,
    dueAt: i === 0 ? addHours(at, step.slaHours) : null,
    escalatedAt: null,
  }));
  const state: ApprovalState = {
    state: 'pending',
    requester,
    owner: command.route.owner.email,
    routeId: command.route.routeId ?? '',
    policyHash: command.policyHash,
    justification,
    steps,
    currentStep: 0,
    requestedAt: at,
    closedAt: null,
    history: [],
  };
  return succeed(state, [event('request_created', at, requester, null, justification), event('step_started', at, null, steps[0]?.id ?? null)]);
}

export interface AutoApproveCommand {
  requester: string;
  route: RouteResult;
  policyHash: string;
  justification?: string;
}

/** Closes a request as auto_approved when the policy's matching route says so. */
export function autoApprove(previous: ApprovalState | null, command: AutoApproveCommand, at: string): TransitionResult {
  const invalid = checkTime(at) ?? checkPrevious(previous);
  if (invalid) return invalid;
  if (command.route.outcome.kind !== 'auto_approved') {
    return fail('illegal_transition', `route "${command.route.routeId ?? 'none'}" does not auto-approve`);
  }
  const requester = normaliseEmail(command.requester);
  const state: ApprovalState = {
    state: 'auto_approved',
    requester,
    owner: command.route.owner.email,
    routeId: command.route.routeId ?? '',
    policyHash: command.policyHash,
    justification: command.justification?.trim() || null,
    steps: [],
    currentStep: null,
    requestedAt: at,
    closedAt: at,
    history: [],
  };
  return succeed(state, [event('request_auto_approved', at, requester, null, `route ${state.routeId} approves automatically`)]);
}

function checkPrevious(previous: ApprovalState | null): TransitionResult | null {
  return previous?.state === 'pending' ? fail('illegal_transition', 'the deal already has a pending request') : null;
}
