// Evaluating the active policy, with a failure recorded for posture before it is passed on: an evaluation that
// throws is a bug or a data shape the policy cannot take, and enough of them in a window turn the portal critical.
import type { Db } from '../../db/database.js';
import { evaluate, type EvaluationInput, type EvaluationOutput } from '../../../src/evaluate.js';
import { recordEvaluationError } from '../../store/rollout-signals.js';

export async function evaluateRecordingErrors(
  db: Db, context: { portalId: string; policyVersionId: string; dealId: string; source: 'card' | 'request'; at: string }, input: EvaluationInput,
): Promise<EvaluationOutput> {
  try {
    return evaluate(input);
  } catch (error) {
    await recordEvaluationError(db, {
      portalId: context.portalId, policyVersionId: context.policyVersionId, dealId: context.dealId, source: context.source,
      message: error instanceof Error ? error.message : String(error), at: context.at,
    }).catch(() => undefined); // the evaluation's own error is the one to report
    throw error;
  }
}
