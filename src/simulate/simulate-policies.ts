// A deals export through one or two policies: where the deals go, who would be asked, how long it would
// take by the history, and which deals the candidate treats differently from the baseline. Pure: the
// caller reads the files and passes the instant delegations are judged at.
import type { Deal } from '../deal.js';
import type { Directory } from '../directory/schema.js';
import { hashPolicy } from '../evaluate.js';
import { compilePolicy } from '../policy/compile-policy.js';
import type { Policy } from '../policy/schema.js';
import { compileRouteChooser, type RouteChoice } from '../routing/choose-route.js';
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

/** One policy's tallies, fed deal by deal: routes, steps, approver load, unroutable reasons, data quality, scores. */
function createPolicyTally(policy: Policy, options: SimulationOptions) {
  const compiled = compilePolicy(policy);
  // The bulk pass needs the route and approvers, not every condition's explanation.
  const chooseRoute = compileRouteChooser(policy);
  const { directory } = options;
  const routeOptions = { requester: null, at: options.at };
  const routeCounts = new Map<string, { routeId: string | null; outcome: OutcomeKind; deals: number; stepIds: string[] }>();
  const stepCounts = new Map<string, StepTally>();
  const unroutable = new Map<string, { stepId: string | null; reason: string; deals: number }>();
  const load = new Map<string, { requests: number; steps: Map<string, number> }>();
  const quality = policy.scoring.factors.map((f) => ({ factorId: f.id, property: f.property, missing: 0, unparsable: 0, notListed: 0, examples: new Map<string, number>() }));
  const scores: number[] = [];
  const choices = new Map<RouteChoice, number>();

  function add(deal: Deal): DealOutcome {
    const score = compiled.score(deal);
    const route = chooseRoute(deal, score.score, directory, routeOptions);
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
    // Choices are shared between deals with the same route, owner and instant: count them here, expand at the end.
    choices.set(route, (choices.get(route) ?? 0) + 1);
    return { routeId: route.routeId, outcome: route.outcome.kind, score: score.score };
  }

  /** Adds each distinct choice's deals to the tallies, in the order the choices first appeared (so maps keep export order). */
  function expandChoices(): void {
    const asked = new Set<string>();
    for (const [route, deals] of choices) {
      const { outcome } = route;
      const key = `${outcome.kind}:${route.routeId ?? ''}`;
      const tally = routeCounts.get(key);
      if (tally) tally.deals += deals;
      else routeCounts.set(key, { routeId: route.routeId, outcome: outcome.kind, deals, stepIds: outcome.kind === 'routed' ? outcome.steps.map((s) => s.id) : [] });

      if (outcome.kind === 'unroutable') {
        const reasonKey = `${outcome.stepId ?? ''}\u0000${outcome.reason}`;
        const entry = unroutable.get(reasonKey);
        if (entry) entry.deals += deals;
        else unroutable.set(reasonKey, { stepId: outcome.stepId, reason: outcome.reason, deals });
        continue;
      }
      if (outcome.kind !== 'routed' || route.routeId === null) continue;
      asked.clear();
      for (const step of outcome.steps) {
        const stepKey = `${route.routeId}/${step.id}`;
        const stepTally = stepCounts.get(stepKey);
        if (stepTally) stepTally.deals += deals;
        else stepCounts.set(stepKey, { routeId: route.routeId, stepId: step.id, label: step.label, deals });
        for (const approver of step.approvers) {
          let entry = load.get(approver);
          if (!entry) load.set(approver, (entry = { requests: 0, steps: new Map() }));
          if (!asked.has(approver)) entry.requests += deals;
          asked.add(approver);
          entry.steps.set(stepKey, (entry.steps.get(stepKey) ?? 0) + deals);
        }
      }
    }
    choices.clear();
  }

  function finish(history: ReturnType<typeof indexHistory> | null): PolicyRun {
    expandChoices();
    const total = scores.length;
    const routeOrder = new Map(policy.routes.map((r, i) => [r.id, i]));
    const labels = new Map(policy.routes.map((r) => [r.id, r.label ?? null]));
    const routes: RouteTally[] = [...routeCounts.values()]
      .sort((a, b) => (routeOrder.get(a.routeId ?? '') ?? Infinity) - (routeOrder.get(b.routeId ?? '') ?? Infinity) || compareText(a.outcome, b.outcome))
      .map((r) => ({
        routeId: r.routeId,
        label: r.routeId === null ? null : labels.get(r.routeId) ?? null,
        outcome: r.outcome,
        deals: r.deals,
        share: total === 0 ? 0 : roundTo(r.deals / total, 3),
        cycle: history && r.outcome === 'routed' && r.routeId !== null ? estimateRoute(history, r.routeId, r.stepIds) : null,
      }));
    const steps = [...stepCounts.values()].sort((a, b) => (routeOrder.get(a.routeId) ?? 0) - (routeOrder.get(b.routeId) ?? 0) || stepIndex(policy, a) - stepIndex(policy, b));
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
      approverLoad: [...load].map(([approver, entry]) => ({
        approver,
        requests: entry.requests,
        steps: [...entry.steps].map(([key, deals]) => {
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
