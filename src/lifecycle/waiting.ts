// Who a request waits on, and what state each step is in as people see it: one rule for the card, the deal's
// properties, reminders and the store's mirror of the steps.
import type { ApprovalState, StepState, StepStatus } from './types.js';

/** Whether this approver has decided on the step. */
export function hasDecided(step: StepState, approver: string): boolean {
  return step.decisions.some((decision) => decision.approver === approver);
}

/** The step's approvers who have not decided yet, in the step's order; nobody once the step is not active. */
export function waitingOn(lifecycle: ApprovalState, step: StepState): string[] {
  if (stepStatus(lifecycle, step) !== 'active') return [];
  return step.approvers.filter((approver) => !hasDecided(step, approver));
}

/**
 * The step's status as it stands: a step still waiting or active when its request was withdrawn or invalidated was
 * skipped (the core marks it so when it closes a request; rows written before it did are read the same way).
 */
export function stepStatus(lifecycle: ApprovalState, step: StepState): StepStatus {
  const closedEarly = lifecycle.state === 'withdrawn' || lifecycle.state === 'invalidated';
  return closedEarly && (step.status === 'active' || step.status === 'waiting') ? 'skipped' : step.status;
}

/** The active step of a pending request, or undefined. */
export function activeStep(lifecycle: ApprovalState): StepState | undefined {
  return lifecycle.state === 'pending' && lifecycle.currentStep !== null ? lifecycle.steps[lifecycle.currentStep] : undefined;
}
