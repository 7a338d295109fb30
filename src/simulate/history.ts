// Past decided steps, for estimating how long a route takes and for a scorecard baseline. One sample per decided step:
//   CSV:   route,step,hours[,outcome][,request][,sla_hours][,request_state]   (a header line first; more columns are ignored)
//   JSONL: {"route": "standard", "step": "manager", "hours": 5.5, "outcome": "approved", "request": "r-17", "sla_hours": 24}
// `hours` runs from the step's start to the decision that closed it; `outcome` is the step's (approved or rejected);
// `request` groups the steps of one request; `sla_hours` is the step's SLA; `request_state` is how the request ended
// (approved, rejected, auto_approved, invalidated, withdrawn or pending). `approval-router report --history-out FILE`
// writes this file from the service's own requests.
import type { BadRow } from './export-rows.js';
import { compareText, spread } from './percentile.js';

export const REQUEST_STATES = ['approved', 'rejected', 'auto_approved', 'invalidated', 'withdrawn', 'pending'] as const;
export type HistoryRequestState = (typeof REQUEST_STATES)[number];

export interface HistorySample {
  route: string;
  step: string;
  hours: number;
  outcome?: 'approved' | 'rejected';
  request?: string;
  slaHours?: number;
  requestState?: HistoryRequestState;
}

export interface History {
  samples: HistorySample[];
  badRows: BadRow[];
}

const HOURS = /^\d+(\.\d+)?$/;

/** Reads a history sample from named cells (a CSV row or a JSON object); a string is the reason it is not one. */
export function readHistorySample(cells: Readonly<Record<string, unknown>>): HistorySample | string {
  const route = cells.route;
  const step = cells.step;
  const hours = typeof cells.hours === 'number' ? String(cells.hours) : cells.hours;
  if (typeof route !== 'string' || route.trim() === '') return '"route" is missing';
  if (typeof step !== 'string' || step.trim() === '') return '"step" is missing';
  if (hours === undefined || hours === null || hours === '') return '"hours" is missing';
  if (typeof hours !== 'string' || !HOURS.test(hours.trim())) return `"hours" is ${JSON.stringify(hours)}, not a number of hours`;
  const sample: HistorySample = { route: route.trim(), step: step.trim(), hours: Number(hours.trim()) };
  // The optional columns: an empty cell says nothing; a value that cannot be read makes the row a bad one.
  const outcome = optionalText(cells.outcome);
  if (outcome !== null) {
    if (outcome !== 'approved' && outcome !== 'rejected') return `"outcome" is ${JSON.stringify(outcome)}, not approved or rejected`;
    sample.outcome = outcome;
  }
  const request = optionalText(typeof cells.request === 'number' ? String(cells.request) : cells.request);
  if (request !== null) sample.request = request;
  const sla = typeof cells.sla_hours === 'number' ? String(cells.sla_hours) : optionalText(cells.sla_hours);
  if (sla !== null) {
    if (!HOURS.test(sla) || Number(sla) <= 0) return `"sla_hours" is ${JSON.stringify(sla)}, not a number of hours above 0`;
    sample.slaHours = Number(sla);
  }
  const state = optionalText(cells.request_state);
  if (state !== null) {
    if (!(REQUEST_STATES as readonly string[]).includes(state)) return `"request_state" is ${JSON.stringify(state)}, not one of ${REQUEST_STATES.join(', ')}`;
    sample.requestState = state as HistoryRequestState;
  }
  return sample;
}

function optionalText(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') return JSON.stringify(value);
  return value.trim() === '' ? null : value.trim();
}

export interface StepTiming {
  route: string;
  step: string;
  count: number;
  p50: number | null;
  p90: number | null;
}

export interface HistoryIndex {
  /** By "route/step". */
  byRouteStep: ReadonlyMap<string, StepTiming>;
  /** By step id across every route: the fallback when a route is new. */
  byStep: ReadonlyMap<string, StepTiming>;
}

export function indexHistory(samples: readonly HistorySample[]): HistoryIndex {
  const byRouteStep = new Map<string, number[]>();
  const byStep = new Map<string, number[]>();
  for (const s of samples) {
    push(byRouteStep, `${s.route}/${s.step}`, s.hours);
    push(byStep, s.step, s.hours);
  }
  const timing = (route: string, step: string, hours: number[]): StepTiming => ({ route, step, ...spread(hours) });
  return {
    byRouteStep: new Map([...byRouteStep].sort(([a], [b]) => compareText(a, b)).map(([key, hours]) => {
      const [route = '', step = ''] = splitKey(key);
      return [key, timing(route, step, hours)];
    })),
    byStep: new Map([...byStep].map(([step, hours]) => [step, timing('*', step, hours)])),
  };
}

export interface CycleEstimate {
  /** Sum of the steps' median hours: steps run one after another. */
  p50Hours: number | null;
  /** Sum of the steps' p90 hours: a pessimistic bound, not the route's own p90. */
  p90Hours: number | null;
  steps: { step: string; basis: 'route' | 'step' | 'none'; samples: number; p50: number | null; p90: number | null }[];
  /** True when every step had history; otherwise the figures leave out the steps without. */
  complete: boolean;
}

/** Estimates a route's cycle from its steps' history: the same route's samples first, else the step id's across routes. */
export function estimateRoute(index: HistoryIndex, routeId: string, stepIds: readonly string[]): CycleEstimate {
  const steps = stepIds.map((step) => {
    const own = index.byRouteStep.get(`${routeId}/${step}`);
    const shared = own ? undefined : index.byStep.get(step);
    const found = own ?? shared;
    return { step, basis: own ? 'route' as const : shared ? 'step' as const : 'none' as const, samples: found?.count ?? 0, p50: found?.p50 ?? null, p90: found?.p90 ?? null };
  });
  const known = steps.filter((s) => s.p50 !== null);
  const sum = (pick: (s: (typeof steps)[number]) => number | null) => (known.length === 0 ? null : Math.round(known.reduce((t, s) => t + (pick(s) ?? 0), 0) * 100) / 100);
  return { p50Hours: sum((s) => s.p50), p90Hours: sum((s) => s.p90), steps, complete: known.length === steps.length };
}

function push(map: Map<string, number[]>, key: string, value: number) {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function splitKey(key: string): [string, string] {
  const at = key.lastIndexOf('/');
  return [key.slice(0, at), key.slice(at + 1)];
}
