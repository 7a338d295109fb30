// Outcomes against baseline and targets: the scorecard's five measures (cycle p50 and p90 per route, SLA breach
// rate, approval rate, re-approval rate) for a period and for each day or week of it, each set beside its baseline
// and judged against its target. No I/O: posture and the scorecard both ask it, so they never disagree.
import type {
  Baseline, BaselineFigures, OutcomeMetric, Outcomes, Period, ScorecardTargets, TargetsAnswer,
} from '../../src/contract/scorecard.js';
import { compareText, roundTo } from '../../src/simulate/percentile.js';
import { parseInstant } from '../../src/time.js';
import { formatHours, formatShare } from './format.js';
import { computeScorecard, type ScorecardFigures, type ScorecardRequest } from './scorecard-figures.js';

const DAY = 86_400_000;
const ms = (iso: string) => parseInstant(iso) ?? Number.NaN;
const share = (part: number, whole: number) => ({ value: whole === 0 ? null : roundTo(part / whole, 3), count: whole });

/** The shares of a period's figures, with the size of the group each is a share of. */
export function sharesOf(figures: ScorecardFigures): Pick<BaselineFigures, 'slaBreachRate' | 'approvalRate' | 'reapprovalRate'> {
  const t = figures.totals;
  return {
    slaBreachRate: share(figures.sla.breaches, figures.sla.judged),
    approvalRate: share(t.approved, t.approved + t.rejected),
    reapprovalRate: share(t.invalidated, t.approved + t.rejected + t.autoApproved + t.invalidated),
  };
}

/** A period's figures as a baseline: the first 30 days' are the portal's own. */
export function baselineFiguresOf(figures: ScorecardFigures): BaselineFigures {
  return { cycleByRoute: figures.cycle.byRoute.map((r) => ({ ...r, estimated: false })), ...sharesOf(figures) };
}

/** Days for a period up to 14 days, else weeks, from `from`; the last bucket ends at `to`. Buckets after `asOf` are left out. */
export function trendBuckets(period: Period, asOf: string): { bucket: 'day' | 'week'; periods: Period[] } {
  const from = ms(period.from);
  const to = ms(period.to);
  const bucket = to - from <= 14 * DAY ? 'day' : 'week';
  const step = bucket === 'day' ? DAY : 7 * DAY;
  const periods: Period[] = [];
  for (let start = from; start < to && start < ms(asOf); start += step) {
    periods.push({ from: new Date(start).toISOString(), to: new Date(Math.min(start + step, to)).toISOString() });
  }
  return { bucket, periods };
}

/** One route of the active policy: its id, and the sum of its steps' SLAs (null for an auto-approving route). */
export interface PolicyRoute {
  routeId: string;
  slaHours: number | null;
}

export interface OutcomeInput {
  period: Period;
  asOf: string;
  figures: ScorecardFigures;
  /** The requests the figures were computed from, for the trend. */
  requests: readonly ScorecardRequest[];
  targets: TargetsAnswer;
  baseline: Baseline | null;
  /** The active policy's routes, in order; [] without one. */
  routes: readonly PolicyRoute[];
  /** How the reasons name the period: "in the period", "over the last 7 days". */
  span: string;
  /** False to leave the trends empty (posture needs none). */
  trend?: boolean;
}

export function measureOutcomes(input: OutcomeInput): Outcomes {
  const { bucket, periods } = trendBuckets(input.period, input.asOf);
  const buckets = (input.trend === false ? [] : periods).map((p) => {
    const alive = input.requests.filter((r) => ms(r.lifecycle.requestedAt) < ms(p.to) && (r.lifecycle.closedAt === null || ms(r.lifecycle.closedAt) >= ms(p.from)));
    const figures = computeScorecard(input.figures.portalId, p, alive, input.asOf);
    return { period: p, figures, shares: sharesOf(figures) };
  });
  const targets = input.targets.targets;
  const metrics: OutcomeMetric[] = [];
  const judge = judgeWith(targets, input.span);

  for (const routeId of routeIds(input)) {
    const own = targets.cycle.routes.find((r) => r.routeId === routeId);
    const policyRoute = input.routes.find((r) => r.routeId === routeId);
    // An auto-approving route is decided by nobody: it has no cycle time to judge.
    if (!own && policyRoute && policyRoute.slaHours === null && !input.figures.cycle.byRoute.some((r) => r.routeId === routeId)) continue;
    const fromSla = !own && targets.cycle.fromSla && policyRoute?.slaHours != null ? policyRoute.slaHours : null;
    const actual = input.figures.cycle.byRoute.find((r) => r.routeId === routeId);
    const base = input.baseline?.figures.cycleByRoute.find((r) => r.routeId === routeId);
    for (const p of ['p50', 'p90'] as const) {
      const ceiling = own ? own[p === 'p50' ? 'p50Hours' : 'p90Hours'] : fromSla === null ? null : p === 'p90' ? fromSla : roundTo(fromSla / 2, 2);
      metrics.push(judge({
        id: p === 'p50' ? 'cycle_p50' : 'cycle_p90', routeId, unit: 'hours',
        label: `Cycle time ${p} — ${routeId}`,
        value: actual?.[p] ?? null, count: actual?.count ?? 0, baseline: base?.[p] ?? null,
        target: ceiling === null ? null : { min: null, max: ceiling, source: own ? 'set' : 'sla' },
        trend: buckets.map((b) => {
          const r = b.figures.cycle.byRoute.find((x) => x.routeId === routeId);
          return { from: b.period.from, to: b.period.to, value: r?.[p] ?? null, count: r?.count ?? 0 };
        }),
      }));
    }
  }

  const source = input.targets.isDefault ? 'default' as const : 'set' as const;
  const shares = sharesOf(input.figures);
  const shareMetric = (id: 'sla_breach_rate' | 'approval_rate' | 'reapproval_rate', key: keyof typeof shares, label: string, bound: { min: number | null; max: number | null }) => judge({
    id, routeId: null, unit: 'share', label,
    value: shares[key].value, count: shares[key].count, baseline: input.baseline?.figures[key].value ?? null,
    target: bound.min === null && bound.max === null ? null : { ...bound, source },
    trend: buckets.map((b) => ({ from: b.period.from, to: b.period.to, value: b.shares[key].value, count: b.shares[key].count })),
  });
  metrics.push(
    shareMetric('sla_breach_rate', 'slaBreachRate', 'SLA breach rate', { min: null, max: targets.slaBreachRate.max }),
    shareMetric('approval_rate', 'approvalRate', 'Approval rate', targets.approvalRate),
    shareMetric('reapproval_rate', 'reapprovalRate', 'Re-approval rate', { min: null, max: targets.reapprovalRate.max }),
  );
  return {
    bucket, targets: input.targets, baseline: input.baseline, metrics,
    missed: metrics.flatMap((m) => (m.reason === null ? [] : [m.reason])),
  };
}

/** The routes to show: the active policy's in its order, then any other with a target, a baseline or a figure. */
function routeIds(input: OutcomeInput): string[] {
  const ids = input.routes.map((r) => r.routeId);
  const others = new Set([
    ...input.targets.targets.cycle.routes.map((r) => r.routeId),
    ...(input.baseline?.figures.cycleByRoute.map((r) => r.routeId) ?? []),
    ...input.figures.cycle.byRoute.map((r) => r.routeId),
  ].filter((id) => !ids.includes(id)));
  return [...ids, ...[...others].sort(compareText)];
}

type Unjudged = Omit<OutcomeMetric, 'status' | 'reason'>;

function judgeWith(targets: ScorecardTargets, span: string) {
  return (metric: Unjudged): OutcomeMetric => {
    if (metric.target === null) return { ...metric, status: 'no_target', reason: null };
    if (metric.value === null || metric.count < targets.minSamples) return { ...metric, status: 'too_few_samples', reason: null };
    const { min, max } = metric.target;
    const show = (v: number) => (metric.unit === 'hours' ? formatHours(v) : formatShare(v));
    const of = metric.unit === 'hours' ? `${metric.count} request${metric.count === 1 ? '' : 's'}` : `of ${metric.count}`;
    const what = metric.label.replace(/ — (.*)$/, ' on route "$1"');
    if (max !== null && metric.value > max) return { ...metric, status: 'missed', reason: `${what} was ${show(metric.value)} ${span} (${of}), above its target of at most ${show(max)}` };
    if (min !== null && metric.value < min) return { ...metric, status: 'missed', reason: `${what} was ${show(metric.value)} ${span} (${of}), below its target of at least ${show(min)}` };
    return { ...metric, status: 'met', reason: null };
  };
}
