// The scorecard's arithmetic over requests as stored (each with the core's lifecycle): cycle times,
// outcomes, SLA breaches, re-approvals and approver load for a period [from, to). No I/O, so the
// figures can be checked by hand against a fixture; the use case loads the rows, and adds the rollbacks,
// the trace references and the outcomes against baseline and targets.
import type { Period, Scorecard } from '../../src/contract/scorecard.js';
import type { ApprovalEvent, ApprovalState, StepState } from '../../src/lifecycle/types.js';
import { compareText, roundTo, spread } from '../../src/simulate/percentile.js';
import { parseInstant } from '../../src/time.js';

export interface ScorecardRequest {
  id: string;
  dealId: string;
  lifecycle: ApprovalState;
}

const HOUR = 3_600_000;
const ms = (iso: string) => parseInstant(iso) ?? Number.NaN;
const hoursBetween = (instant: (iso: string) => number, from: string, to: string) => roundTo((instant(to) - instant(from)) / HOUR, 2);

/**
 * `ms` for one pass over a period's requests (the scorecard, the history samples). Each of a request's instants is compared many times (in the period?
 * before the end? past due?), so each distinct one is parsed once: a month of a busy portal's requests, judged by the
 * worker every minute, took about four times as long parsed at every comparison.
 */
function instantReader(): (iso: string) => number {
  const read = new Map<string, number>();
  return (iso) => {
    let at = read.get(iso);
    if (at === undefined) read.set(iso, (at = ms(iso)));
    return at;
  };
}

/** When a step ended by decision: the decision that approved or rejected it (the last one), else null. */
export function stepDecidedAt(step: StepState): string | null {
  return step.status === 'approved' || step.status === 'rejected' ? step.decisions.at(-1)?.at ?? null : null;
}

/** The figures of a period; the use case completes them into a Scorecard. */
export type ScorecardFigures = Omit<Scorecard, 'rollbacks' | 'traces' | 'outcomes'>;

/** The instant open steps are measured to: the end of the period, or now when the period has not ended yet. */
export function periodAsOf(period: Period, now: Date): string {
  return ms(period.to) <= now.getTime() ? period.to : now.toISOString();
}

/**
 * The period's figures as of `asOf` (see periodAsOf): what happened in [from, to) counts, and a step still waiting
 * is late by the time from its due time to `asOf`, never to a `to` that has not come yet.
 */
export function computeScorecard(portalId: string, period: Period, requests: readonly ScorecardRequest[], asOf: string): ScorecardFigures {
  const instant = instantReader();
  const from = instant(period.from);
  const to = instant(period.to);
  const now = Math.min(instant(asOf), to);
  let judged = 0;
  const within = (iso: string | null) => iso !== null && instant(iso) >= from && instant(iso) < to;
  const totals = { opened: 0, approved: 0, rejected: 0, autoApproved: 0, withdrawn: 0, invalidated: 0, pendingAtEnd: 0 };
  const overall: number[] = [];
  const byRoute = new Map<string, number[]>();
  const byStep = new Map<string, { routeId: string; stepId: string; hours: number[]; approved: number; rejected: number }>();
  const breaches: Scorecard['sla']['items'] = [];
  const approvers = new Map<string, { decisions: number; approvals: number; rejections: number; pending: number; hours: number[] }>();
  const approver = (email: string) => {
    let entry = approvers.get(email);
    if (!entry) approvers.set(email, (entry = { decisions: 0, approvals: 0, rejections: 0, pending: 0, hours: [] }));
    return entry;
  };

  for (const request of requests) {
    const life = request.lifecycle;
    if (within(life.requestedAt)) totals.opened++;
    const closedInPeriod = within(life.closedAt);
    if (closedInPeriod) {
      const key = life.state === 'auto_approved' ? 'autoApproved' : life.state;
      if (key !== 'pending') totals[key]++;
      if (life.state === 'approved' || life.state === 'rejected') {
        const hours = hoursBetween(instant, life.requestedAt, life.closedAt!);
        overall.push(hours);
        push(byRoute, life.routeId, hours);
      }
    }
    const openAtEnd = instant(life.requestedAt) < to && (life.closedAt === null || instant(life.closedAt) >= to);
    if (openAtEnd && life.state !== 'auto_approved') totals.pendingAtEnd++;

    for (const step of life.steps) {
      if (step.startedAt === null || instant(step.startedAt) >= to) continue;
      const decidedAt = stepDecidedAt(step);
      // A started step that never got its decision ended when the request was withdrawn or invalidated.
      const endedAt = decidedAt ?? (step.status === 'skipped' ? life.closedAt : null);
      if (decidedAt !== null && within(decidedAt)) {
        const key = `${life.routeId}/${step.id}`;
        let entry = byStep.get(key);
        if (!entry) byStep.set(key, (entry = { routeId: life.routeId, stepId: step.id, hours: [], approved: 0, rejected: 0 }));
        entry.hours.push(hoursBetween(instant, step.startedAt, decidedAt));
        if (step.status === 'approved') entry.approved++;
        else entry.rejected++;
      }
      for (const decision of step.decisions) {
        if (!within(decision.at)) continue;
        const entry = approver(decision.approver);
        entry.decisions++;
        if (decision.verdict === 'approve') entry.approvals++;
        else entry.rejections++;
        entry.hours.push(hoursBetween(instant, step.startedAt, decision.at));
      }
      const openAtPeriodEnd = endedAt === null || instant(endedAt) >= to;
      const waitingOn = step.approvers.filter((email) => !step.decisions.some((d) => d.approver === email && instant(d.at) < to));
      if (openAtPeriodEnd) for (const email of waitingOn) approver(email).pending++;

      if (step.dueAt === null) continue;
      const due = instant(step.dueAt);
      const breach = (kind: Scorecard['sla']['items'][number]['kind'], end: string | null, lateBy: number) => breaches.push({
        requestId: request.id, dealId: request.dealId, routeId: life.routeId, stepId: step.id, kind, dueAt: step.dueAt!, endedAt: end,
        hoursLate: roundTo(lateBy / HOUR, 2), waitingOn: kind === 'decided_late' ? [] : waitingOn, escalatedAt: step.escalatedAt, traceHash: null,
      });
      if (decidedAt !== null && within(decidedAt)) {
        judged++;
        if (instant(decidedAt) > due) breach('decided_late', decidedAt, instant(decidedAt) - due);
      } else if (openAtPeriodEnd && due < now) {
        judged++;
        breach('open_past_due', null, now - due);
      } else if (decidedAt === null && endedAt !== null && within(endedAt) && instant(endedAt) > due) {
        judged++;
        breach('closed_past_due', endedAt, instant(endedAt) - due);
      }
    }
  }

  const humanDecided = totals.approved + totals.rejected;
  const breachesByStep = new Map<string, { routeId: string; stepId: string; breaches: number }>();
  for (const b of breaches) {
    const key = `${b.routeId}/${b.stepId}`;
    const entry = breachesByStep.get(key) ?? { routeId: b.routeId, stepId: b.stepId, breaches: 0 };
    entry.breaches++;
    breachesByStep.set(key, entry);
  }
  return {
    portalId,
    period,
    asOf: new Date(now).toISOString(),
    totals,
    rates: {
      approval: humanDecided === 0 ? null : roundTo(totals.approved / humanDecided, 3),
      rejection: humanDecided === 0 ? null : roundTo(totals.rejected / humanDecided, 3),
    },
    cycle: {
      overall: spread(overall),
      byRoute: [...byRoute].map(([routeId, hours]) => ({ routeId, ...spread(hours) })).sort((a, b) => compareText(a.routeId, b.routeId)),
      byStep: [...byStep.values()].map(({ hours, ...rest }) => ({ ...rest, ...spread(hours) }))
        .sort((a, b) => compareText(a.routeId, b.routeId) || compareText(a.stepId, b.stepId)),
    },
    sla: {
      breaches: breaches.length,
      judged,
      byStep: [...breachesByStep.values()].sort((a, b) => b.breaches - a.breaches || compareText(`${a.routeId}/${a.stepId}`, `${b.routeId}/${b.stepId}`)),
      items: breaches.sort((a, b) => compareText(a.dueAt, b.dueAt) || compareText(a.requestId, b.requestId)),
    },
    reapprovals: reapprovalsOf(requests, within, to, instant),
    approvers: [...approvers].map(([email, e]) => ({
      approver: email, decisions: e.decisions, approvals: e.approvals, rejections: e.rejections, pending: e.pending, responseHours: spread(e.hours),
    })).sort((a, b) => b.decisions + b.pending - (a.decisions + a.pending) || compareText(a.approver, b.approver)),
  };
}

/** Requests invalidated in the period, the cause from their invalidation event, and the deal's next request if one came before `to`. */
function reapprovalsOf(requests: readonly ScorecardRequest[], within: (iso: string | null) => boolean, to: number, instant: (iso: string) => number): Scorecard['reapprovals'] {
  const byDeal = new Map<string, ScorecardRequest[]>();
  for (const r of requests) push(byDeal, r.dealId, r);
  for (const list of byDeal.values()) list.sort((a, b) => instant(a.lifecycle.requestedAt) - instant(b.lifecycle.requestedAt) || compareText(a.id, b.id));
  const items: Scorecard['reapprovals']['items'] = [];
  for (const request of requests) {
    const life = request.lifecycle;
    if (life.state !== 'invalidated' || !within(life.closedAt)) continue;
    const event = [...life.history].reverse().find((e) => e.type === 'request_invalidated' || e.type === 'request_expired');
    const list = byDeal.get(request.dealId) ?? [];
    const next = list.find((r) => r.id !== request.id && instant(r.lifecycle.requestedAt) >= instant(life.closedAt!) && instant(r.lifecycle.requestedAt) < to) ?? null;
    items.push({
      dealId: request.dealId,
      invalidatedRequestId: request.id,
      invalidatedAt: life.closedAt!,
      cause: causeOf(event),
      detail: event?.detail ?? null,
      newRequestId: next?.id ?? null,
      newRequestedAt: next?.lifecycle.requestedAt ?? null,
      newRouteId: next?.lifecycle.routeId ?? null,
      newState: next?.lifecycle.state ?? null,
      traceHash: null,
    });
  }
  items.sort((a, b) => compareText(a.invalidatedAt, b.invalidatedAt) || compareText(a.invalidatedRequestId, b.invalidatedRequestId));
  const causes = new Map<string, number>();
  for (const item of items) causes.set(item.cause, (causes.get(item.cause) ?? 0) + 1);
  return {
    invalidated: items.length,
    reapproved: items.filter((i) => i.newRequestId !== null).length,
    byCause: [...causes].map(([cause, count]) => ({ cause, count })).sort((a, b) => b.count - a.count || compareText(a.cause, b.cause)),
    items,
  };
}

/**
 * A short cause that groups alike invalidations ("discount_percent changed: score rose") from the detail the
 * re-approval rule wrote ("discount_percent changed and the score rose from 45 to 60").
 */
export function causeOf(event: ApprovalEvent | undefined): string {
  if (!event) return 'unknown';
  if (event.type === 'request_expired') return 'expired: the step passed its due time';
  const detail = event.detail ?? '';
  const match = /^(.+?) changed and (.*)$/.exec(detail);
  if (!match) return detail || 'unknown';
  const [, properties, rest = ''] = match;
  const kind = rest.startsWith('the score rose') ? 'score rose'
    : rest.startsWith('the deal can no longer be routed') ? 'no longer routable'
      : rest.startsWith('route "') ? 'stricter route' : rest;
  return `${properties} changed: ${kind}`;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V) {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

export interface DecidedStepSample {
  route: string;
  step: string;
  hours: number;
  outcome: 'approved' | 'rejected';
  request: string;
  slaHours: number;
  /** How the request stood at the end of the period. */
  requestState: ApprovalState['state'];
}

const ENDINGS: Partial<Record<ApprovalEvent['type'], ApprovalState['state']>> = {
  request_approved: 'approved', request_rejected: 'rejected', request_withdrawn: 'withdrawn', request_invalidated: 'invalidated',
  request_expired: 'invalidated', request_auto_approved: 'auto_approved',
};

/** The request's state at `to`: its last ending before then (an approval later invalidated was an approval then). */
function stateAt(life: ApprovalState, to: number, instant: (iso: string) => number): ApprovalState['state'] {
  const ending = life.history.filter((e) => ENDINGS[e.type] !== undefined && instant(e.at) < to).at(-1);
  return ending ? ENDINGS[ending.type] ?? 'pending' : 'pending';
}

/**
 * Every step decided in the period as a history sample for `simulate --history` and `baseline import`
 * (route,step,hours,outcome,request,sla_hours,request_state).
 */
export function decidedStepSamples(period: Period, requests: readonly ScorecardRequest[]): DecidedStepSample[] {
  const instant = instantReader();
  const from = instant(period.from);
  const to = instant(period.to);
  return requests.flatMap((request) => request.lifecycle.steps.flatMap((step) => {
    const decidedAt = stepDecidedAt(step);
    if (decidedAt === null || step.startedAt === null || instant(decidedAt) < from || instant(decidedAt) >= to) return [];
    return [{
      route: request.lifecycle.routeId, step: step.id, hours: hoursBetween(instant, step.startedAt, decidedAt), outcome: step.status === 'rejected' ? 'rejected' as const : 'approved' as const,
      request: request.id, slaHours: step.slaHours, requestState: stateAt(request.lifecycle, to, instant),
    }];
  }));
}

/** The samples as the CSV `simulate --history` and `baseline import` read. */
export function historyCsv(samples: readonly DecidedStepSample[]): string {
  const cell = (text: string) => (/[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);
  const lines = samples.map((s) => [s.route, s.step, String(s.hours), s.outcome, s.request, String(s.slaHours), s.requestState].map(cell).join(','));
  return `route,step,hours,outcome,request,sla_hours,request_state\n${lines.map((line) => `${line}\n`).join('')}`;
}
