// What a disagreement between the active policy and a staged candidate is: the score, the route (its id or
// outcome), or the approvers of the steps. Pure: two evaluations in, the kinds and both sides' summaries out.
import type { EvaluationOutput } from '../../../src/evaluate.js';
import type { DisagreementKind } from '../../store/rollout-disagreements.js';

export interface EvaluationSummary {
  score: number;
  routeId: string | null;
  outcome: 'routed' | 'auto_approved' | 'unroutable';
  /** Each step's id and approvers, in order; empty when auto-approved. */
  steps: { id: string; approvers: string[] }[];
  /** Why the deal could not be routed, when it could not. */
  reason?: string;
}

export function summariseEvaluation(output: EvaluationOutput): EvaluationSummary {
  const outcome = output.route.outcome;
  const steps = outcome.kind === 'auto_approved' ? [] : outcome.steps.map((step) => ({ id: step.id, approvers: [...step.approvers] }));
  return {
    score: output.score.score,
    routeId: output.route.routeId,
    outcome: outcome.kind,
    steps,
    ...(outcome.kind === 'unroutable' ? { reason: outcome.reason } : {}),
  };
}

/** The kinds on which the two disagree; empty when they agree. */
export function disagreementKinds(before: EvaluationSummary, after: EvaluationSummary): DisagreementKind[] {
  const kinds: DisagreementKind[] = [];
  if (before.routeId !== after.routeId || before.outcome !== after.outcome) kinds.push('route');
  const approvers = (summary: EvaluationSummary) => JSON.stringify(summary.steps.map((step) => [...step.approvers].sort()));
  if (approvers(before) !== approvers(after)) kinds.push('approvers');
  if (before.score !== after.score) kinds.push('score');
  return kinds;
}
