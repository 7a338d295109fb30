// The settings page's copy of the admin API's types (the zod schemas are in src/contract/card-api.ts,
// settings-api.ts and scorecard.ts). HubSpot builds extensions/ on its side, so the page cannot import src/;
// test/extensions/settings-contract.test.ts holds these types, and every fixture the settings tests use, to the
// schemas. An answer type here names the fields the page reads; the service may send more.
export type { ErrorAnswer, FieldProblem } from './service.js';

export type FeatureFlag = 'off' | 'shadow' | 'on';
export type Posture = 'healthy' | 'degraded' | 'critical';

// ---- policy versions ------------------------------------------------------------------------------------------

export interface VersionRef {
  version: number;
  name: string;
  hash: string;
}

/** One saved version of the portal's policy. */
export interface VersionSummary extends VersionRef {
  isActive: boolean;
  createdBy: string;
  createdAt: string;
  activatedBy: string | null;
  activatedAt: string | null;
  isCandidate: boolean;
  /** When posture (or the install) last found it a version to return to. */
  stableAt: string | null;
  rolledBackAt: string | null;
  rolledBackReason: string | null;
  /** `posture`, or the admin who rolled it back. */
  rolledBackBy: string | null;
  validatedAt: string | null;
}

/** GET /admin/policy */
export interface PolicyOverview {
  featureFlag: FeatureFlag;
  /** What PUT /admin/flag names as `expectedVersion`. */
  flagVersion: number;
  active: (VersionSummary & { source: string }) | null;
  /** Newest first. */
  versions: VersionSummary[];
  /** Where a rollback would go now. */
  rollbackTarget: (VersionRef & { stableAt: string }) | null;
}

export interface PolicyProblem {
  /** Where in the document, such as `routes[2].steps[0].quorum`; empty for the document as a whole. */
  path: string;
  message: string;
}

/** POST /admin/policy/validate */
export interface ValidateAnswer {
  valid: boolean;
  hash: string | null;
  name: string | null;
  problems: PolicyProblem[];
}

/** POST /admin/policy/versions: `created` is false when the same text was saved before. */
export interface SaveAnswer {
  version: { version: number; name: string; hash: string };
  created: boolean;
}

// ---- the promotion gate ---------------------------------------------------------------------------------------

export type GateStepId = 'validated' | 'simulated' | 'routable' | 'shadow' | 'reactivation';

export interface GateStep {
  id: GateStepId;
  status: 'passed' | 'missing' | 'not_required';
  /** One sentence: what passed, or what is missing and how to get it. */
  message: string;
}

/** GET /admin/policy/versions/:version/gate */
export interface GateStatus {
  version: number;
  hash: string;
  passed: boolean;
  steps: GateStep[];
  missing: GateStepId[];
  warnings: string[];
  settings: { shadowHours: number; shadowMinDeals: number; trafficWindowDays: number; simulationMaxAgeHours: number };
}

/** POST …/activate and …/candidate/promote. */
export interface ActivateAnswer {
  version: VersionSummary;
  changed: boolean;
  overridden: boolean;
  /** The `gate_override` incident an override recorded. */
  incidentId: string | null;
  warnings: string[];
  previous: VersionRef | null;
}

/** POST /admin/policy/rollback */
export interface RollbackAnswer {
  active: VersionSummary;
  previous: VersionSummary;
  incidentId: string;
}

// ---- staged candidate -----------------------------------------------------------------------------------------

export interface CandidateRef extends VersionRef {
  stagedBy: string | null;
  stagedAt: string | null;
}

/** POST /admin/policy/versions/:version/stage */
export interface StageAnswer {
  candidate: CandidateRef;
  changed: boolean;
}

export type DisagreementKind = 'route' | 'approvers' | 'score' | 'error';

/** One side of a disagreement: what a policy made of the deal. */
export interface EvaluationSummary {
  score: number;
  routeId: string | null;
  outcome: 'routed' | 'auto_approved' | 'unroutable';
  steps: { id: string; approvers: string[] }[];
  reason?: string;
}

/** GET /admin/policy/candidate */
export interface CandidateSummary {
  candidate: CandidateRef;
  active: VersionRef | null;
  evaluatedDeals: number;
  disagreements: { total: number; deals: number; byKind: Record<DisagreementKind, number> };
  agreementRate: number | null;
  /** The latest; `before` and `after` are EvaluationSummary-shaped. */
  examples: { dealId: string; kinds: string[]; [key: string]: unknown }[];
}

// ---- simulation over the portal's recent deals ------------------------------------------------------------------

export type OutcomeKind = 'routed' | 'auto_approved' | 'unroutable';

export interface CycleEstimate {
  p50Hours: number | null;
  p90Hours: number | null;
  complete: boolean;
}

export interface PolicyRun {
  name: string;
  hash: string;
  deals: number;
  routes: { routeId: string | null; label: string | null; outcome: OutcomeKind; deals: number; share: number; cycle: CycleEstimate | null }[];
  unroutable: { stepId: string | null; reason: string; deals: number }[];
  approverLoad: { approver: string; requests: number }[];
  /** Mean estimated hours per deal; null without history. */
  expectedHoursPerDeal: number | null;
}

export interface DealOutcome {
  routeId: string | null;
  outcome: OutcomeKind;
  score: number;
}

export interface PolicyDiff {
  compared: number;
  routeChanged: number;
  scoreChanged: number;
  unchanged: number;
  transitions: { from: string; to: string; deals: number }[];
  changes: { id: string; name: string | null; baseline: DealOutcome; candidate: DealOutcome }[];
}

export type Truncation = 'deal_limit' | 'time_limit';

export interface UnroutableDeal {
  dealId: string;
  name: string | null;
  stepId: string | null;
  reason: string;
  accepted: { reason: string; by: string; at: string } | null;
}

/** POST /admin/policy/simulate */
export interface SimulationAnswer {
  policy: { name: string; hash: string };
  baseline: VersionRef | null;
  ranAt: string;
  ranBy: string;
  window: { since: string; until: string; days: number };
  /** `sources`: where the deals came from (request snapshots, card evaluations, the demo CRM), each deal once. */
  deals: { simulated: number; sources: { requests: number; evaluations: number; localCrm: number }; limit: number; truncated: Truncation | null; elapsedMs: number };
  missingProperties: string[];
  historySamples: number;
  result: { baseline: PolicyRun | null; candidate: PolicyRun; diff: PolicyDiff | null };
  changesShown: number;
  unroutableDeals: { total: number; accepted: number; deals: UnroutableDeal[] };
  warnings: string[];
}

// ---- rollout --------------------------------------------------------------------------------------------------

/** PUT /admin/flag */
export interface FlagAnswer {
  flag: FeatureFlag;
  previous: FeatureFlag;
  version: number;
}

/** GET /admin/posture */
export interface PostureAnswer {
  at: string;
  posture: Posture;
  reasons: string[];
  window: { since: string; until: string; minutes: number };
  active: { version: number; hash: string; activatedAt: string | null; stableAt: string | null; inProbation: boolean } | null;
  rollbackTarget: { version: number; hash: string; stableAt: string | null } | null;
}

export interface PostureTransition {
  id: string;
  at: string;
  /** null for the first posture recorded. */
  from: Posture | null;
  to: Posture;
  reasons: string[];
  version: number | null;
}

/** GET /admin/posture/history */
export interface PostureHistoryAnswer {
  transitions: PostureTransition[];
}

/** GET /admin/admins */
export interface AdminsAnswer {
  installedBy: string | null;
  listed: string[];
  superAdmins: string[];
  superAdminsReadAt: string | null;
  superAdminsError: string | null;
}

// ---- delegations ----------------------------------------------------------------------------------------------

export type DelegationStatus = 'upcoming' | 'active' | 'ended' | 'revoked';

export interface DelegationView {
  id: string;
  from: string;
  fromName: string | null;
  to: string;
  toName: string | null;
  startsAt: string;
  endsAt: string;
  status: DelegationStatus;
  createdBy: string;
  createdAt: string;
  revokedAt: string | null;
  revokedBy: string | null;
}

/** GET /admin/delegations: `portal` for admins (every window), `mine` for anyone else (the windows they are part of). */
export interface DelegationListAnswer {
  scope: 'portal' | 'mine';
  /** What a write names as `expectedVersion`. */
  version: number;
  delegations: DelegationView[];
}

/** POST /admin/delegations and DELETE /admin/delegations/:id */
export interface DelegationWriteAnswer {
  delegation: DelegationView;
  warnings?: string[];
  version: number;
}

// ---- incidents ------------------------------------------------------------------------------------------------

export interface IncidentSummary {
  id: string;
  kind: string;
  requestId: string | null;
  dealId: string | null;
  summary: string;
  createdAt: string;
  resolvedAt: string | null;
  resolvedBy: string | null;
  resolutionNote: string | null;
  followUp: { queuedAt: string; doneAt: string | null; taskId: string | null; assignedTo: string | null; note: string | null } | null;
}

/** GET /admin/incidents */
export interface IncidentListAnswer {
  incidents: IncidentSummary[];
}

/** GET /admin/incidents/:id: the packet is what the incident's writer recorded for a person to act on. */
export interface IncidentPacketAnswer extends IncidentSummary {
  packet: unknown;
}

/** POST /admin/incidents/:id/resolve */
export interface ResolveIncidentAnswer {
  incident: IncidentSummary;
  changed: boolean;
}

// ---- the scorecard (src/contract/scorecard.ts) ------------------------------------------------------------------

/** p50 and p90 of hours, with the sample size. */
export interface Spread {
  count: number;
  p50: number | null;
  p90: number | null;
}

/** What a portal aims for (PUT /admin/scorecard/targets); a bound that is null is not judged. Shares are 0..1. */
export interface ScorecardTargets {
  cycle: {
    /** Routes without an entry: p90 at most the sum of the route's step SLAs, p50 at most half of it. */
    fromSla: boolean;
    routes: { routeId: string; p50Hours: number | null; p90Hours: number | null }[];
  };
  slaBreachRate: { max: number | null };
  approvalRate: { min: number | null; max: number | null };
  reapprovalRate: { max: number | null };
  windowDays: number;
  minSamples: number;
}

/** GET and PUT /admin/scorecard/targets */
export interface TargetsAnswer {
  /** 0 while the portal runs on the defaults; what PUT names as `expectedVersion`. */
  version: number;
  isDefault: boolean;
  targets: ScorecardTargets;
  updatedBy: string | null;
  updatedAt: string | null;
}

export type BaselineSource = 'first_30_days' | 'import';

export interface Baseline {
  source: BaselineSource;
  period: { from: string; to: string } | null;
  /** first_30_days before its 30 days have passed: the figures so far. */
  provisional: boolean;
  fixedAt: string | null;
  fixedBy: string | null;
  fileName: string | null;
  samples: number;
  skippedRows: number;
  notes: string[];
}

/** GET and POST /admin/scorecard/baseline */
export interface BaselineAnswer {
  /** What POST names as `expectedVersion`. */
  version: number;
  baseline: Baseline | null;
}

export type OutcomeStatus = 'met' | 'missed' | 'too_few_samples' | 'no_target';

export interface TrendPoint {
  from: string;
  to: string;
  value: number | null;
  count: number;
}

/** One figure against its baseline and target. */
export interface OutcomeMetric {
  id: 'cycle_p50' | 'cycle_p90' | 'sla_breach_rate' | 'approval_rate' | 'reapproval_rate';
  routeId: string | null;
  label: string;
  unit: 'hours' | 'share';
  value: number | null;
  count: number;
  baseline: number | null;
  target: { min: number | null; max: number | null; source: 'set' | 'default' | 'sla' } | null;
  status: OutcomeStatus;
  /** For a missed target, the sentence posture reports. */
  reason: string | null;
  /** Per day or per week from the period's start; the last bucket may be shorter. */
  trend: TrendPoint[];
}

export interface Outcomes {
  bucket: 'day' | 'week';
  targets: TargetsAnswer;
  baseline: Baseline | null;
  metrics: OutcomeMetric[];
  missed: string[];
}

/** A policy version rolled back in the period. */
export interface ScorecardRollback {
  fromVersion: number;
  toVersion: number | null;
  at: string;
  reason: string | null;
}

/** GET /api/v1/scorecard?from&to: the period is [from, to). */
export interface ScorecardAnswer {
  period: { from: string; to: string };
  rollbacks: ScorecardRollback[];
  outcomes: Outcomes;
  totals: { opened: number; approved: number; rejected: number; autoApproved: number; withdrawn: number; invalidated: number; pendingAtEnd: number };
  rates: { approval: number | null; rejection: number | null };
  cycle: { overall: Spread; byRoute: (Spread & { routeId: string })[] };
  sla: { breaches: number };
  reapprovals: { invalidated: number; reapproved: number };
  approvers: { approver: string; decisions: number; approvals: number; rejections: number; pending: number; responseHours: Spread }[];
}

// ---- notification channels (src/contract/notification-settings.ts, slack.ts) ------------------------------------

export interface PortalChannels {
  /** HubSpot tasks and timeline notes: always on. */
  tasks: true;
  email: boolean;
  slack: boolean;
}

/** GET and PUT /admin/notifications */
export interface NotificationSettingsView {
  /** What PUT names as `expectedVersion`. */
  version: number;
  channels: PortalChannels;
  emailOptOuts: string[];
}

/** GET /admin/slack: never the token or the secret. */
export interface SlackConnectionView {
  connected: boolean;
  channelOn: boolean;
  version: number;
  teamName: string | null;
  connectedBy: string | null;
  connectedAt: string | null;
}

// ---- request bodies -------------------------------------------------------------------------------------------

export interface PolicySourceBody {
  source: string;
}

export interface SimulateBody {
  source: string;
  accept?: { dealId: string; reason: string }[];
}

export interface SavePolicyBody {
  source: string;
  idempotencyKey: string;
  expectedActiveVersion: number | null;
}

/** Activate a version or promote the candidate: through the gate, or over it with a reason. */
export interface GatedActivateBody {
  expectedActiveVersion: number | null;
  idempotencyKey: string;
  override?: boolean;
  reason?: string;
}

export interface RollbackBody {
  reason: string;
  idempotencyKey: string;
  expectedActiveVersion: number | null;
}

export interface SetFlagBody {
  flag: FeatureFlag;
  idempotencyKey: string;
  expectedVersion: number;
}

export interface DelegationBody {
  from: string;
  to: string;
  startsAt: string;
  endsAt: string;
  idempotencyKey: string;
  expectedVersion: number;
}

export interface ResolveIncidentBody {
  note: string;
  idempotencyKey: string;
}

export interface SetTargetsBody {
  targets: ScorecardTargets;
  idempotencyKey: string;
  expectedVersion: number;
}

/** Back to the portal's first 30 days (an import's text goes as `history`). */
export type SetBaselineBody =
  | { source: 'first_30_days'; idempotencyKey: string; expectedVersion: number }
  | { source: 'import'; history: string; fileName?: string; idempotencyKey: string; expectedVersion: number };

/** The channels to change; tasks stay on. */
export interface SetChannelsBody {
  channels: { email?: boolean; slack?: boolean };
  idempotencyKey: string;
  expectedVersion: number;
}
