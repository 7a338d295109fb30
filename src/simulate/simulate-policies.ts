// A deals export through one or two policies: where the deals go, who would be asked, how long it would
// take by the history, and which deals the candidate treats differently from the baseline. Pure: the
// caller reads the files and passes the instant delegations are judged at.
import type { Deal } from '../deal.js';
import type { Directory } from '../directory/schema.js';
import { hashPolicy } from '../evaluate.js';
import { compilePolicy } from '../policy/compile-policy.js';
import type { Policy } from '../policy/schema.js';
import type { RouteOutcome } from '../routing/types.js';
import { estimateRoute, indexHistory, type CycleEstimate, type HistorySample } from './history.js';
import { compareText, percentileOfSorted, roundTo } from './percentile.js';

export type OutcomeKind = RouteOutcome['kind'];

export interface RouteTally {
  /** null when no route matched. */
  routeId: string | null;
  label: string | null;
  outcome: OutcomeKind;
  deals: number;
  /** Share of the export's deals, 0..1 rounded to 0.001. */
  share: number;
  /** From the history, for routes with steps; null without history. */
  cycle: CycleEstimate | null;
}

export interface StepTally {
  routeId: string;
  stepId: string;
  label: string | null;
  deals: number;
}

export interface ApproverLoad {
  approver: string;
  /** Deals that would wait on this approver at some step. */
  requests: number;
  /** Where: "route/step" → deals. */
  steps: { routeId: string; stepId: string; deals: number }[];
}

export interface FactorQuality {
  factorId: string;
  property: string;
  missing: number;
  unparsable: number;
  notListed: number;
  /** The five most frequent values that matched no band or listed value (export labels instead of internal values show here). */
  examples: { value: string; deals: number }[];
}

export interface PolicyRun {
  name: string;
  hash: string;
  deals: number;
  score: { mean: number | null; p50: number | null; p90: number | null };
  routes: RouteTally[];
  steps: StepTally[];
  unroutable: { stepId: string | null; reason: string; deals: number }[];
  approverLoad: ApproverLoad[];
  dataQuality: FactorQuality[];
  /** Mean estimated hours per deal (auto-approved count as 0; unroutable and deals without history are left out). */
  expectedHoursPerDeal: number | null;
}

export interface DealOutcome {
  routeId: string | null;
  outcome: OutcomeKind;
  score: number;
}

export interface DealChange {
  id: string;
  name: string | null;
  baseline: DealOutcome;
  candidate: DealOutcome;
}

export interface PolicyDiff {
  compared: number;
  routeChanged: number;
  scoreChanged: number;
  unchanged: number;
  /** Route moves with how many deals made each, most first. */
  transitions: { from: string; to: string; deals: number }[];
  /** Every deal whose route, outcome or score differs, in export order. */
  changes: DealChange[];
}

export interface SimulationResult {
  baseline: PolicyRun | null;
  candidate: PolicyRun;
  diff: PolicyDiff | null;
}

export interface SimulationOptions {
  candidate: Policy;
  baseline?: Policy | null;
  directory: Directory;
  /** ISO instant for delegations; null applies none. */
  at: string | null;
}

export interface SimulationInput extends SimulationOptions {
  deals: Iterable<Deal>;
  history?: readonly HistorySample[] | null;
}

/** Deals fed one at a time, in export order; only tallies and the changed deals are kept, never the deals. */
export interface Simulation {
  add(deal: Deal): void;
  /** The result, with cycle estimates when a history is given. */
  finish(history?: readonly HistorySample[] | null): SimulationResult;
}

export function simulatePolicies(input: SimulationInput): SimulationResult {
  const simulation = createSimulation(input);
  for (const deal of input.deals) simulation.add(deal);
  return simulation.finish(input.history);
}

export function createSimulation(options: SimulationOptions): Simulation {
  const candidate = createPolicyTally(options.candidate, options);
  const baseline = options.baseline ? createPolicyTally(options.baseline, options) : null;
  const diff = baseline ? createDiff() : null;
  return {
    add(deal) {
      const after = candidate.add(deal);
      if (baseline && diff) diff.add(deal, baseline.add(deal), after);
    },
    finish(samples) {
      const history = samples ? indexHistory(samples) : null;
      return { baseline: baseline?.finish(history) ?? null, candidate: candidate.finish(history), diff: diff?.finish() ?? null };
    },
  };
}

/** The deals that would wait on one approver, and at which steps. */
interface ApproverCount {
  requests: number;
  /** The deal last counted in `requests`: a deal that asks them at two steps counts once. */
  lastDeal: number;
  /** Deals per "route/step", in the order first seen. */
  steps: Map<string, { deals: number }>;
}

interface StepCount {
  tally: StepTally;
  /** "route/step", as the approver load names it. */
  key: string;
  /** The step's approvers, each with their deals at this step and their whole load. */
  approvers: Map<string, { deals: number; load: ApproverCount }>;
}

/** One policy's tallies, fed deal by deal: routes, steps, approver load, unroutable reasons, data quality, scores. */
function createPolicyTally(policy: Policy, options: SimulationOptions) {
  const compiled = compilePolicy(policy);
  const { directory } = options;
  const routeOptions = { requester: null, at: options.at };
  // Keyed by outcome then route, and by route then step, so tallying a deal builds no key strings.
  const routeCounts: Record<OutcomeKind, Map<string | null, { routeId: string | null; outcome: OutcomeKind; deals: number; stepIds: string[] }>> = {
    routed: new Map(),
    auto_approved: new Map(),
    unroutable: new Map(),
  };
  const stepCounts = new Map<string, Map<string, StepCount>>();
  const unroutable = new Map<string, { stepId: string | null; reason: string; deals: number }>();
  const loads = new Map<string, ApproverCount>();
  const quality = policy.scoring.factors.map((f) => ({ factorId: f.id, property: f.property, missing: 0, unparsable: 0, notListed: 0, examples: new Map<string, number>() }));
  const scores: number[] = [];

  function add(deal: Deal): DealOutcome {
    const score = compiled.score(deal);
    const route = compiled.route(deal, score.score, directory, routeOptions);
    scores.push(score.score);
    score.factors.forEach((factor, i) => {
      const q = quality[i];
      if (!q) return;
      if (factor.status === 'missing') q.missing++;
      else if (factor.status === 'unparsable') q.unparsable++;
      else if (factor.status === 'not_listed') q.notListed++;
      if ((factor.status === 'unparsable' || factor.status === 'not_listed') && factor.value !== null) {
        // Bounded: a free-text property must not grow the map without end.
        if (q.examples.has(factor.value) || q.examples.size < 1000) q.examples.set(factor.value, (q.examples.get(factor.value) ?? 0) + 1);
      }
    });
    tallyRoute(scores.length, route.routeId, route.outcome);
    return { routeId: route.routeId, outcome: route.outcome.kind, score: score.score };
  }

  function tallyRoute(dealNumber: number, routeId: string | null, outcome: RouteOutcome): void {
    const counts = routeCounts[outcome.kind];
    const count = counts.get(routeId);
    if (count) count.deals++;
    else counts.set(routeId, { routeId, outcome: outcome.kind, deals: 1, stepIds: outcome.kind === 'routed' ? outcome.steps.map((s) => s.id) : [] });

    if (outcome.kind === 'unroutable') {
      const reasonKey = `${outcome.stepId ?? ''}\u0000${outcome.reason}`;
      const entry = unroutable.get(reasonKey);
      if (entry) entry.deals++;
      else unroutable.set(reasonKey, { stepId: outcome.stepId, reason: outcome.reason, deals: 1 });
      return;
    }
    if (outcome.kind !== 'routed' || routeId === null) return;
    let routeSteps = stepCounts.get(routeId);
    if (!routeSteps) stepCounts.set(routeId, (routeSteps = new Map<string, StepCount>()));
    for (const step of outcome.steps) {
      let stepCount = routeSteps.get(step.id);
      if (stepCount) stepCount.tally.deals++;
      else routeSteps.set(step.id, (stepCount = { tally: { routeId, stepId: step.id, label: step.label, deals: 1 }, key: `${routeId}/${step.id}`, approvers: new Map() }));
      for (const approver of step.approvers) {
        let here = stepCount.approvers.get(approver);
        if (!here) {
          let load = loads.get(approver);
          if (!load) loads.set(approver, (load = { requests: 0, lastDeal: -1, steps: new Map() }));
          here = { deals: 0, load };
          load.steps.set(stepCount.key, here);
          stepCount.approvers.set(approver, here);
        }
        here.deals++;
        if (here.load.lastDeal !== dealNumber) {
          here.load.lastDeal = dealNumber;
          here.load.requests++;
        }
      }
    }
  }

  function finish(history: ReturnType<typeof indexHistory> | null): PolicyRun {
    const total = scores.length;
    const routeOrder = new Map(policy.routes.map((r, i) => [r.id, i]));
    const labels = new Map(policy.routes.map((r) => [r.id, r.label ?? null]));
    const routes: RouteTally[] = Object.values(routeCounts).flatMap((counts) => [...counts.values()])
      .sort((a, b) => (routeOrder.get(a.routeId ?? '') ?? Infinity) - (routeOrder.get(b.routeId ?? '') ?? Infinity) || compareText(a.outcome, b.outcome))
      .map((r) => ({
        routeId: r.routeId,
        label: r.routeId === null ? null : labels.get(r.routeId) ?? null,
        outcome: r.outcome,
        deals: r.deals,
        share: total === 0 ? 0 : roundTo(r.deals / total, 3),
        cycle: history && r.outcome === 'routed' && r.routeId !== null ? estimateRoute(history, r.routeId, r.stepIds) : null,
      }));
    const steps = [...stepCounts.values()].flatMap((routeSteps) => [...routeSteps.values()].map((s) => s.tally)).sort((a, b) => (routeOrder.get(a.routeId) ?? 0) - (routeOrder.get(b.routeId) ?? 0) || stepIndex(policy, a) - stepIndex(policy, b));
    // A typed array sorts numbers without a comparator call per pair; same order as (a, b) => a - b for scores.
    const sortedScores = Float64Array.from(scores).sort();
    return {
      name: policy.name,
      hash: hashPolicy(policy),
      deals: total,
      score: {
        mean: total === 0 ? null : roundTo(sortedScores.reduce((t, s) => t + s, 0) / total, 1),
        p50: percentileOfSorted(sortedScores, 50),
        p90: percentileOfSorted(sortedScores, 90),
      },
      routes,
      steps,
      unroutable: [...unroutable.values()].sort((a, b) => b.deals - a.deals || compareText(a.reason, b.reason)),
      approverLoad: [...loads].map(([approver, load]) => ({
        approver,
        requests: load.requests,
        steps: [...load.steps].map(([key, { deals }]) => {
          const [routeId = '', stepId = ''] = key.split('/');
          return { routeId, stepId, deals };
        }),
      })).sort((a, b) => b.requests - a.requests || compareText(a.approver, b.approver)),
      dataQuality: quality.map((q) => ({
        ...q,
        examples: [...q.examples].map(([value, deals]) => ({ value, deals })).sort((a, b) => b.deals - a.deals || compareText(a.value, b.value)).slice(0, 5),
      })),
      expectedHoursPerDeal: history ? expectedHours(routes) : null,
    };
  }

  return { add, finish };
}

function stepIndex(policy: Policy, step: StepTally): number {
  return policy.routes.find((r) => r.id === step.routeId)?.steps?.findIndex((s) => s.id === step.stepId) ?? 0;
}

function expectedHours(routes: readonly RouteTally[]): number | null {
  let deals = 0;
  let hours = 0;
  for (const route of routes) {
    if (route.outcome === 'auto_approved') deals += route.deals;
    else if (route.outcome === 'routed' && route.cycle?.p50Hours != null && route.cycle.complete) {
      deals += route.deals;
      hours += route.deals * route.cycle.p50Hours;
    }
  }
  return deals === 0 ? null : roundTo(hours / deals, 2);
}

/** How a deal's outcome reads in a transition: the route id, or what happened when no route took it. */
export function outcomeName(outcome: DealOutcome): string {
  if (outcome.outcome === 'unroutable') return outcome.routeId === null ? '(no route)' : `${outcome.routeId} (unroutable)`;
  return outcome.routeId ?? '(no route)';
}

/** The baseline against the candidate, deal by deal: only the deals that change are kept. */
function createDiff() {
  const transitions = new Map<string, { from: string; to: string; deals: number }>();
  const changes: DealChange[] = [];
  let compared = 0;
  let routeChanged = 0;
  let scoreChanged = 0;
  return {
    add(deal: Deal, b: DealOutcome, a: DealOutcome) {
      compared++;
      const moved = b.routeId !== a.routeId || b.outcome !== a.outcome;
      const rescored = b.score !== a.score;
      if (moved) {
        routeChanged++;
        const from = outcomeName(b);
        const to = outcomeName(a);
        const key = `${from}\u0000${to}`;
        const t = transitions.get(key);
        if (t) t.deals++;
        else transitions.set(key, { from, to, deals: 1 });
      }
      if (rescored) scoreChanged++;
      if (moved || rescored) changes.push({ id: deal.id, name: deal.properties.dealname ?? null, baseline: b, candidate: a });
    },
    finish: (): PolicyDiff => ({
      compared,
      routeChanged,
      scoreChanged,
      unchanged: compared - changes.length,
      transitions: [...transitions.values()].sort((x, y) => y.deals - x.deals || compareText(x.from, y.from) || compareText(x.to, y.to)),
      changes,
    }),
  };
}
