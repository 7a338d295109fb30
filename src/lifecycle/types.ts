// The approval request as plain JSON, the events a transition emits, and the typed errors it returns.
import type { StepMode } from '../routing/types.js';

export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'withdrawn' | 'invalidated' | 'auto_approved';

/** waiting: a later step; active: the one approvers act on now; skipped: never reached. */
export type StepStatus = 'waiting' | 'active' | 'approved' | 'rejected' | 'skipped';

export interface Decision {
  approver: string;
  verdict: 'approve' | 'reject';
  comment: string | null;
  at: string;
}

export interface StepState {
  id: string;
  mode: StepMode;
  /** Approvals needed: 1 for any, every approver for all, the quorum for quorum. */
  quorum: number;
  approvers: string[];
  decisions: Decision[];
  status: StepStatus;
  slaHours: number;
  startedAt: string | null;
  /** startedAt + slaHours: past it, the step escalates. */
  dueAt: string | null;
  escalatedAt: string | null;
}

export interface ApprovalEvent {
  type:
    | 'request_created' | 'request_auto_approved' | 'step_started' | 'decision_recorded' | 'step_approved'
    | 'step_rejected' | 'request_approved' | 'request_rejected' | 'request_withdrawn' | 'request_invalidated'
    | 'step_escalated' | 'request_expired';
  at: string;
  actor: string | null;
  stepId: string | null;
  detail: string | null;
}

export interface ApprovalState {
  state: ApprovalStatus;
  requester: string;
  /** The deal owner's email when known: like the requester, never an approver. */
  owner: string | null;
  routeId: string;
  /** The policy version the request was routed with; it keeps it for life. */
  policyHash: string;
  justification: string | null;
  steps: StepState[];
  /** Index of the active step while pending, else null. */
  currentStep: number | null;
  requestedAt: string;
  closedAt: string | null;
  history: ApprovalEvent[];
}

export type TransitionErrorCode =
  | 'illegal_transition'
  | 'not_an_approver'
  | 'already_decided'
  | 'self_approval'
  | 'not_requester'
  | 'comment_required'
  | 'justification_required'
  | 'unroutable'
  | 'not_due'
  | 'already_escalated'
  | 'invalid_time';

export interface TransitionError {
  code: TransitionErrorCode;
  message: string;
}

export type TransitionResult =
  | { ok: true; state: ApprovalState; events: ApprovalEvent[] }
  | { ok: false; error: TransitionError };
