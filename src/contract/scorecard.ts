// The scorecard's contract: the period it is asked for, the figures it answers with, and the outcomes measured
// against the portal's baseline and targets.
//   GET  /api/v1/scorecard?from=2026-11-01&to=2026-12-01   the period is [from, to), in UTC   → ScorecardAnswer
//   GET  /api/v1/admin/scorecard/targets                                                       → TargetsAnswer
//   PUT  /api/v1/admin/scorecard/targets    SetTargetsBody                                     → TargetsAnswer
//   GET  /api/v1/admin/scorecard/baseline                                                      → BaselineAnswer
//   POST /api/v1/admin/scorecard/baseline   SetBaselineBody                                    → BaselineAnswer
import { z } from 'zod';
import { formatInstant } from '../time.js';
import { IdempotencyKey } from './card-api.js';
import { parseApiInstant } from './instant.js';

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const MAX_DAYS = 400;

/** A date (midnight UTC) or an ISO 8601 instant with an offset, from 1970 through 9999, as epoch millis; else null. */
export function parsePeriodBound(value: string): number | null {
  return parseApiInstant(DATE_ONLY.test(value) ? `${value}T00:00:00Z` : value);
}

const Bound = z.string().refine((v) => parsePeriodBound(v) !== null, 'a date (2026-11-01) or an ISO 8601 instant with an offset (2026-11-01T00:00:00Z), from 1970 through 9999');

/** The period's span in millis, or null while a bound is unreadable (its own issue says so). */
const spanOf = (q: { from: string; to: string }) => {
  const from = parsePeriodBound(q.from);
  const to = parsePeriodBound(q.to);
  return from === null || to === null ? null : to - from;
};

export const ScorecardQuery = z.object({ from: Bound, to: Bound })
  .refine((q) => (spanOf(q) ?? 1) > 0, { message: 'must be later than "from"', path: ['to'] })
  .refine((q) => (spanOf(q) ?? 0) <= MAX_DAYS * 86_400_000, { message: `the period may span at most ${MAX_DAYS} days`, path: ['to'] })
  .transform((q) => ({ from: formatInstant(parsePeriodBound(q.from) ?? 0), to: formatInstant(parsePeriodBound(q.to) ?? 0) }));

export type Period = z.infer<typeof ScorecardQuery>;

/** Nearest-rank p50 and p90 of hours, with the sample size. */
export const Spread = z.object({ count: z.int().min(0), p50: z.number().nullable(), p90: z.number().nullable() });

export const BreachKind = z.enum([
  /** Decided in the period, after the due time. */
  'decided_late',
  /** Still waiting at the end of the period, past the due time. */
  'open_past_due',
  /** Withdrawn or invalidated in the period, unanswered past the due time. */
  'closed_past_due',
]);

// ---- Targets ----

const Hours = z.number().positive('more than 0 hours').max(8_760, 'at most 8,760 hours (a year)');
const Share = z.number().min(0, 'a share from 0 to 1').max(1, 'a share from 0 to 1');

export const RouteCycleTarget = z.strictObject({
  routeId: z.string().trim().min(1, 'a route id').max(100, 'at most 100 characters'),
  /** Ceiling of the route's median cycle time (request opened → decided), hours; null: none. */
  p50Hours: Hours.nullable(),
  /** Ceiling of the route's 90th percentile, hours; null: none. */
  p90Hours: Hours.nullable(),
}).refine((t) => t.p50Hours === null || t.p90Hours === null || t.p50Hours <= t.p90Hours, { message: 'p90 may not be below p50', path: ['p90Hours'] });

/** What a portal aims for. A bound that is null is not judged. */
export const ScorecardTargets = z.strictObject({
  cycle: z.strictObject({
    /**
     * For routes without an entry in `routes`: p90 at most the sum of the route's step SLAs in the active policy, p50
     * at most half of it. Auto-approving routes have no cycle to judge.
     */
    fromSla: z.boolean(),
    routes: z.array(RouteCycleTarget).max(100, 'at most 100 routes')
      .refine((routes) => new Set(routes.map((r) => r.routeId)).size === routes.length, 'each route at most once'),
  }),
  /** Of the steps whose SLA was settled in the period, the share that breached it. */
  slaBreachRate: z.strictObject({ max: Share.nullable() }),
  /** Of the requests people approved or rejected, the share approved: too low and reps ask in vain, too high and approval may be a formality. */
  approvalRate: z.strictObject({ min: Share.nullable(), max: Share.nullable() })
    .refine((t) => t.min === null || t.max === null || t.min <= t.max, { message: 'max may not be below min', path: ['max'] }),
  /** Of the requests closed in the period (withdrawn ones aside), the share invalidated and needing a new request. */
  reapprovalRate: z.strictObject({ max: Share.nullable() }),
  /** Posture judges the targets over this many days up to now. */
  windowDays: z.int().min(1).max(90),
  /** A figure from fewer requests or steps than this is shown but not judged. */
  minSamples: z.int().min(1).max(10_000),
});
export type ScorecardTargets = z.infer<typeof ScorecardTargets>;

/** A fresh portal's targets, until an admin saves its own. */
export const DEFAULT_SCORECARD_TARGETS: ScorecardTargets = {
  cycle: { fromSla: true, routes: [] },
  slaBreachRate: { max: 0.1 },
  approvalRate: { min: 0.5, max: null },
  reapprovalRate: { max: 0.1 },
  windowDays: 7,
  minSamples: 10,
};

export const TargetsAnswer = z.object({
  /** 0 while the portal runs on the defaults; every save moves it on. */
  version: z.int().min(0),
  isDefault: z.boolean(),
  targets: ScorecardTargets,
  updatedBy: z.string().nullable(),
  updatedAt: z.string().nullable(),
});
export type TargetsAnswer = z.infer<typeof TargetsAnswer>;

export const SetTargetsBody = z.strictObject({
  targets: ScorecardTargets,
  idempotencyKey: IdempotencyKey,
  /** The targets' version the admin edited (GET /admin/scorecard/targets: `version`, 0 before any save). */
  expectedVersion: z.int().min(0),
});

// ---- Baseline ----

/** A share with the size of the group it is a share of (null with none). */
export const ShareFigure = z.object({ value: z.number().nullable(), count: z.int().min(0) });

export const BaselineFigures = z.object({
  cycleByRoute: z.array(Spread.extend({
    routeId: z.string(),
    /** From an export without request ids: the sum of the route's step medians (and p90s), as `simulate` estimates. */
    estimated: z.boolean(),
  })),
  slaBreachRate: ShareFigure,
  approvalRate: ShareFigure,
  reapprovalRate: ShareFigure,
});
export type BaselineFigures = z.infer<typeof BaselineFigures>;

export const BaselineSource = z.enum([
  /** The portal's first 30 days from its first request, fixed once they have passed. */
  'first_30_days',
  /** A history export (the file `simulate --history` reads), imported by an admin. */
  'import',
]);

export const Baseline = z.object({
  source: BaselineSource,
  /** first_30_days: the 30 days it covers; import: null. */
  period: z.object({ from: z.string(), to: z.string() }).nullable(),
  /** first_30_days before its 30 days have passed: the figures so far, recomputed at each read. */
  provisional: z.boolean(),
  /** When the figures were fixed (computed once the 30 days passed, or imported) and who imported them. */
  fixedAt: z.string().nullable(),
  fixedBy: z.string().nullable(),
  fileName: z.string().nullable(),
  /** first_30_days: requests counted; import: rows read. */
  samples: z.int().min(0),
  /** import: rows skipped (the first 20 listed with their line and problem). */
  skippedRows: z.int().min(0),
  skipped: z.array(z.object({ line: z.int(), problem: z.string() })),
  /** What the figures could not include, one sentence each (an export without an outcome column has no approval rate). */
  notes: z.array(z.string()),
  figures: BaselineFigures,
});
export type Baseline = z.infer<typeof Baseline>;

export const BaselineAnswer = z.object({
  /** 0 until an admin imports or resets one; every such write moves it on. */
  version: z.int().min(0),
  /** null: nothing imported and the portal has no request yet. */
  baseline: Baseline.nullable(),
});
export type BaselineAnswer = z.infer<typeof BaselineAnswer>;

/** At most about 900 kB of history text: `hubspot.fetch` carries at most 1 MB. */
const HistoryText = z.string().min(1, 'the history is empty').max(900_000, 'at most 900,000 characters');

export const SetBaselineBody = z.discriminatedUnion('source', [
  z.strictObject({
    source: z.literal('import'),
    /** The history as CSV (`route,step,hours[,outcome][,request][,sla_hours][,request_state]`) or JSONL. */
    history: HistoryText,
    fileName: z.string().trim().min(1).max(200).optional(),
    idempotencyKey: IdempotencyKey,
    /** GET /admin/scorecard/baseline: `version` (0 before any write). */
    expectedVersion: z.int().min(0),
  }),
  /** Drop an import and go back to the portal's first 30 days. */
  z.strictObject({ source: z.literal('first_30_days'), idempotencyKey: IdempotencyKey, expectedVersion: z.int().min(0) }),
]);

// ---- Outcomes: each figure against its baseline and target ----

export const OutcomeMetricId = z.enum(['cycle_p50', 'cycle_p90', 'sla_breach_rate', 'approval_rate', 'reapproval_rate']);
export const OutcomeStatus = z.enum([
  'met',
  'missed',
  /** Fewer requests or steps than the targets' `minSamples`: shown, not judged. */
  'too_few_samples',
  'no_target',
]);

export const TrendPoint = z.object({ from: z.string(), to: z.string(), value: z.number().nullable(), count: z.int().min(0) });

export const OutcomeMetric = z.object({
  id: OutcomeMetricId,
  /** The route of a cycle-time figure; null for the portal-wide shares. */
  routeId: z.string().nullable(),
  label: z.string(),
  unit: z.enum(['hours', 'share']),
  value: z.number().nullable(),
  /** Requests (cycle, approval, re-approval) or steps (SLA) the value is computed from. */
  count: z.int().min(0),
  baseline: z.number().nullable(),
  target: z.object({ min: z.number().nullable(), max: z.number().nullable(), source: z.enum(['set', 'default', 'sla']) }).nullable(),
  status: OutcomeStatus,
  /** For a missed target, the sentence posture reports; else null. */
  reason: z.string().nullable(),
  /** The value per day (periods up to 14 days) or per week, from `from`; the last bucket may be shorter. */
  trend: z.array(TrendPoint),
});
export type OutcomeMetric = z.infer<typeof OutcomeMetric>;

export const Outcomes = z.object({
  bucket: z.enum(['day', 'week']),
  targets: TargetsAnswer,
  baseline: Baseline.nullable(),
  metrics: z.array(OutcomeMetric),
  /** One sentence per missed target. */
  missed: z.array(z.string()),
});
export type Outcomes = z.infer<typeof Outcomes>;

/** A trace row an item of the answer points at (`traceHash`): the latest one of its request as of `asOf`. */
export const TraceRef = z.object({
  hash: z.string(),
  seq: z.int(),
  kind: z.string(),
  occurredAt: z.string(),
  requestId: z.string().nullable(),
  dealId: z.string().nullable(),
});
export type TraceRef = z.infer<typeof TraceRef>;

export const Rollback = z.object({
  /** The version rolled back, and the one activated in its place when the trace says so. */
  fromVersion: z.int(),
  toVersion: z.int().nullable(),
  at: z.string(),
  reason: z.string().nullable(),
  traceHash: z.string().nullable(),
});

export const ScorecardAnswer = z.object({
  portalId: z.string(),
  period: z.object({ from: z.string(), to: z.string() }),
  /** Open steps and their lateness are measured to this instant: the earlier of now and `to`. */
  asOf: z.string(),
  totals: z.object({
    /** Requests opened in the period. */
    opened: z.int(),
    approved: z.int(),
    rejected: z.int(),
    autoApproved: z.int(),
    withdrawn: z.int(),
    invalidated: z.int(),
    /** Requests still pending at the end of the period. */
    pendingAtEnd: z.int(),
  }),
  /** Of the requests people approved or rejected in the period (auto-approvals left out); null with none. */
  rates: z.object({ approval: z.number().nullable(), rejection: z.number().nullable() }),
  cycle: z.object({
    /** Request opened → approved or rejected, for requests decided in the period. */
    overall: Spread,
    byRoute: z.array(Spread.extend({ routeId: z.string() })),
    /** Step started → the decision that closed it, for steps decided in the period. */
    byStep: z.array(Spread.extend({ routeId: z.string(), stepId: z.string(), approved: z.int(), rejected: z.int() })),
  }),
  sla: z.object({
    breaches: z.int(),
    /** Steps whose SLA was settled in the period: decided there (with a due time), or past due while waiting or when closed. */
    judged: z.int(),
    byStep: z.array(z.object({ routeId: z.string(), stepId: z.string(), breaches: z.int() })),
    items: z.array(z.object({
      requestId: z.string(),
      dealId: z.string(),
      routeId: z.string(),
      stepId: z.string(),
      kind: BreachKind,
      dueAt: z.string(),
      /** The decision, or the closing, that ended the step; null while it still waits. */
      endedAt: z.string().nullable(),
      hoursLate: z.number(),
      waitingOn: z.array(z.string()),
      escalatedAt: z.string().nullable(),
      traceHash: z.string().nullable(),
    })),
  }),
  reapprovals: z.object({
    /** Requests invalidated in the period. */
    invalidated: z.int(),
    /** Of those, how many were followed by a new request on the same deal before the period ended. */
    reapproved: z.int(),
    byCause: z.array(z.object({ cause: z.string(), count: z.int() })),
    items: z.array(z.object({
      dealId: z.string(),
      invalidatedRequestId: z.string(),
      invalidatedAt: z.string(),
      cause: z.string(),
      /** The invalidation event's detail, verbatim. */
      detail: z.string().nullable(),
      newRequestId: z.string().nullable(),
      newRequestedAt: z.string().nullable(),
      newRouteId: z.string().nullable(),
      newState: z.string().nullable(),
      traceHash: z.string().nullable(),
    })),
  }),
  approvers: z.array(z.object({
    approver: z.string(),
    /** Decisions made in the period. */
    decisions: z.int(),
    approvals: z.int(),
    rejections: z.int(),
    /** Steps waiting on this approver at the end of the period. */
    pending: z.int(),
    /** Step started → this approver's decision. */
    responseHours: Spread,
  })),
  /** Policy versions rolled back in the period (by posture or by an admin), oldest first. */
  rollbacks: z.array(Rollback),
  /** The trace rows `traceHash` fields point at, by sequence. */
  traces: z.array(TraceRef),
  outcomes: Outcomes,
});

export type ScorecardQueryInput = z.input<typeof ScorecardQuery>;
export type Scorecard = z.infer<typeof ScorecardAnswer>;
