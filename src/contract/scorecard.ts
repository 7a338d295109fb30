// The scorecard endpoint's contract: the period it is asked for and the figures it answers with.
// GET /api/v1/scorecard?from=2026-11-01&to=2026-12-01 — the period is [from, to), in UTC.
import { z } from 'zod';
import { formatInstant } from '../time.js';
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

export const ScorecardAnswer = z.object({
  portalId: z.string(),
  period: z.object({ from: z.string(), to: z.string() }),
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
});

export type ScorecardQueryInput = z.input<typeof ScorecardQuery>;
export type Scorecard = z.infer<typeof ScorecardAnswer>;
