// A scorecard baseline from a history export (the file `simulate --history` reads): each figure the file can
// support, and a note for each one it cannot. Cycle times come from whole requests when rows carry a request id,
// else from the steps' medians summed per route, as `simulate` estimates a route.
import type { BaselineFigures } from '../contract/scorecard.js';
import { estimateRoute, indexHistory, type HistorySample } from './history.js';
import { compareText, roundTo, spread } from './percentile.js';

export interface HistoryBaseline {
  figures: BaselineFigures;
  notes: string[];
}

const share = (part: number, whole: number) => ({ value: whole === 0 ? null : roundTo(part / whole, 3), count: whole });

export function baselineFromHistory(samples: readonly HistorySample[]): HistoryBaseline {
  const notes: string[] = [];
  const withRequest = samples.filter((s) => s.request !== undefined);
  const requests = groupRequests(withRequest);

  let cycleByRoute: BaselineFigures['cycleByRoute'];
  if (requests.length > 0) {
    const byRoute = new Map<string, number[]>();
    for (const r of requests) {
      if (r.state !== 'approved' && r.state !== 'rejected') continue;
      const list = byRoute.get(r.route) ?? [];
      list.push(roundTo(r.hours, 2));
      byRoute.set(r.route, list);
    }
    cycleByRoute = [...byRoute].map(([routeId, hours]) => ({ routeId, estimated: false, ...spread(hours) }));
    if (withRequest.length < samples.length) notes.push(`${samples.length - withRequest.length} rows without a request id are left out of the cycle times`);
  } else {
    const index = indexHistory(samples);
    const stepsOf = new Map<string, string[]>();
    for (const s of samples) {
      const steps = stepsOf.get(s.route) ?? [];
      if (!steps.includes(s.step)) steps.push(s.step);
      stepsOf.set(s.route, steps);
    }
    cycleByRoute = [...stepsOf].map(([routeId, steps]) => {
      const estimate = estimateRoute(index, routeId, steps);
      // As many requests as the route's least-sampled step saw decided: each of them ran every step.
      const count = Math.min(...estimate.steps.map((s) => s.samples));
      return { routeId, estimated: true, count, p50: estimate.p50Hours, p90: estimate.p90Hours };
    });
    if (samples.length > 0) notes.push('no "request" column: cycle times are estimated as the sum of each route\'s step medians (and p90s)');
  }
  cycleByRoute.sort((a, b) => compareText(a.routeId, b.routeId));

  const withSla = samples.filter((s) => s.slaHours !== undefined);
  const slaBreachRate = share(withSla.filter((s) => s.hours > (s.slaHours ?? Infinity)).length, withSla.length);
  if (withSla.length === 0) notes.push('no "sla_hours" column: no SLA breach rate');

  const decided = requests.filter((r) => r.state === 'approved' || r.state === 'rejected');
  const approvalRate = share(decided.filter((r) => r.state === 'approved').length, decided.length);
  if (requests.length === 0) notes.push('no "request" column: no approval rate');
  else if (decided.length === 0) notes.push('no request is known to have been approved or rejected: no approval rate');

  const stated = requests.filter((r) => r.stated);
  const closed = stated.filter((r) => r.state === 'approved' || r.state === 'rejected' || r.state === 'auto_approved' || r.state === 'invalidated');
  const reapprovalRate = share(closed.filter((r) => r.state === 'invalidated').length, closed.length);
  if (stated.length === 0) notes.push('no "request" and "request_state" columns: no re-approval rate');

  return { figures: { cycleByRoute, slaBreachRate, approvalRate, reapprovalRate }, notes };
}

interface HistoryRequest {
  route: string;
  hours: number;
  state: string | null;
  /** Whether the file said how the request ended, rather than it being read from its steps' outcomes. */
  stated: boolean;
}

/**
 * Rows grouped by request id (and route: one id on two routes is two requests). A request ended as its
 * `request_state` says; without it, rejected when one of its steps was, approved when every step has an outcome and
 * all approved, and unknown otherwise.
 */
function groupRequests(samples: readonly HistorySample[]): HistoryRequest[] {
  const groups = new Map<string, HistorySample[]>();
  for (const s of samples) {
    const key = `${s.route}\u0000${s.request ?? ''}`;
    const list = groups.get(key) ?? [];
    list.push(s);
    groups.set(key, list);
  }
  return [...groups.values()].map((rows) => {
    const stated = rows.find((r) => r.requestState !== undefined)?.requestState ?? null;
    const derived = rows.some((r) => r.outcome === 'rejected') ? 'rejected' : rows.every((r) => r.outcome === 'approved') ? 'approved' : null;
    return { route: rows[0]?.route ?? '', hours: rows.reduce((t, r) => t + r.hours, 0), state: stated ?? derived, stated: stated !== null };
  });
}
