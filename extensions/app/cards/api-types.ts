// The card's copy of the service's card API types (src/contract/card-api.ts holds the zod schemas).
// HubSpot builds extensions/ on its side, so the card cannot import src/; a test holds these types and every
// fixture against the schemas, so the two cannot drift.

export type FeatureFlag = 'off' | 'shadow' | 'on';
export type StepMode = 'any' | 'all' | 'quorum';
export type Verdict = 'approve' | 'reject';
export type RequestState = 'pending' | 'approved' | 'rejected' | 'withdrawn' | 'invalidated' | 'auto_approved';
export type StepStatus = 'waiting' | 'active' | 'approved' | 'rejected' | 'skipped';
export type ViewerRole = 'requester' | 'owner' | 'approver' | 'admin';

export interface FactorView {
  id: string;
  label: string;
  property: string;
  value: string | null;
  status: 'scored' | 'missing' | 'unparsable' | 'unmatched';
  points: number;
  detail: string;
}

export interface ScoreView {
  value: number;
  factors: FactorView[];
  notes: string[];
}

export interface ApproverView {
  email: string;
  name: string | null;
  reason: string;
  delegatedFrom: string | null;
}

export interface StepPreview {
  id: string;
  label: string;
  mode: StepMode;
  required: number;
  slaHours: number;
  approvers: ApproverView[];
  notes: string[];
}

export interface ConditionView {
  routeId: string;
  matched: boolean;
  explanation: string;
}

export interface RoutePreview {
  outcome: 'routed' | 'auto_approved' | 'unroutable';
  routeId: string | null;
  routeLabel: string | null;
  reason: string | null;
  tried: ConditionView[];
  steps: StepPreview[];
}

export interface DecisionView {
  approver: string;
  approverName: string | null;
  onBehalfOf: string | null;
  verdict: Verdict;
  comment: string | null;
  decidedAt: string;
}

export interface StepView {
  index: number;
  id: string;
  label: string;
  mode: StepMode;
  required: number;
  status: StepStatus;
  slaHours: number;
  startedAt: string | null;
  dueAt: string | null;
  /** When the step passed its SLA and was escalated. */
  escalatedAt?: string | null | undefined;
  approvers: string[];
  waitingOn: string[];
  decisions: DecisionView[];
}

export interface RequestView {
  id: string;
  dealId: string;
  state: RequestState;
  version: number;
  requester: string;
  justification: string;
  score: number;
  routeId: string;
  policyVersion: number;
  createdAt: string;
  closedAt: string | null;
  currentStepIndex: number | null;
  steps: StepView[];
  outcomeNote: string | null;
}

export interface CardView {
  portalId: string;
  dealId: string;
  dealName: string | null;
  mode: FeatureFlag;
  /** `rolledBackFrom`: the version posture rolled back automatically, when that is why this one is in force. */
  policy: { version: number; name: string; hash: string; rolledBackFrom?: { version: number; at: string; reason: string } | null | undefined } | null;
  viewer: { email: string; userId: string; roles: ViewerRole[] };
  score: ScoreView | null;
  preview: RoutePreview | null;
  request: RequestView | null;
  /** What this viewer may do now. */
  actions: { request: boolean; withdraw: boolean; decide: boolean };
  /** Why an action is not offered. */
  notices: string[];
  traceHash: string | null;
}

export interface RequestAnswer {
  request: RequestView;
  traceHash: string;
}

export interface InboxItem {
  requestId: string;
  dealId: string;
  dealName: string | null;
  requester: string;
  stepLabel: string;
  dueAt: string | null;
  score: number;
  routeId: string;
  createdAt: string;
}

export interface InboxAnswer {
  items: InboxItem[];
}

export interface FieldProblem {
  path: string;
  message: string;
}

export interface ErrorAnswer {
  error: { code: string; message: string; details?: FieldProblem[]; requestId?: string };
}

// ---- request bodies -------------------------------------------------------------------------------------

export interface RequestApprovalBody {
  justification: string;
  idempotencyKey: string;
}

export interface DecideBody {
  verdict: Verdict;
  comment?: string;
  idempotencyKey: string;
  expectedVersion?: number;
}

export interface WithdrawBody {
  reason?: string;
  idempotencyKey: string;
  expectedVersion?: number;
}

/** GET /api/v1/deals/:dealId/requests: every request of the deal, newest first (src/contract/request-history.ts). */
export interface RequestHistory {
  dealId: string;
  requests: RequestView[];
  /** True when the deal has older requests than the ones listed. */
  more: boolean;
}
