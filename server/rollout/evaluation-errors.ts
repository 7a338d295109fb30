// Evaluating the active policy, with a failure recorded for posture before it is passed on: an evaluation that
// throws is a bug or a data shape the policy cannot take, and enough of them in a window turn the portal critical.
import type { Knex } from 'knex';
import { evaluate, inputHashOf, type EvaluationInput, type EvaluationOutput } from '../../src/evaluate.js';
import { recordEvaluationError } from '../store/rollout-signals.js';

export async function evaluateRecordingErrors(
  db: Knex, context: { portalId: string; policyVersionId: string; dealId: string; source: 'card' | 'request'; at: string }, input: EvaluationInput,
): Promise<EvaluationOutput> {
  try {
    return evaluateRemembering(input);
  } catch (error) {
    await recordEvaluationError(db, {
      portalId: context.portalId, policyVersionId: context.policyVersionId, dealId: context.dealId, source: context.source,
      message: error instanceof Error ? error.message : String(error), at: context.at,
    }).catch(() => undefined); // the evaluation's own error is the one to report
    throw error;
  }
}

// The core is pure: an input seen before (a card viewed again while nothing changed) has the output it had then.
// The newest outputs are kept, frozen so no caller can change what the next one is given. An output is a few KiB for
// the example policies and tens of KiB for a step of dozens of approvers, so the bound keeps this to a few MiB, or
// tens of MiB for such policies.
const REMEMBERED_LIMIT = 1_000;
const remembered = new Map<string, EvaluationOutput>();

function evaluateRemembering(input: EvaluationInput): EvaluationOutput {
  const inputHash = inputHashOf(input);
  const kept = remembered.get(inputHash);
  if (kept) return kept;
  const output = deepFreeze(evaluate(input, inputHash));
  if (remembered.size >= REMEMBERED_LIMIT) remembered.delete(remembered.keys().next().value as string);
  remembered.set(inputHash, output);
  return output;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const member of Object.values(value)) deepFreeze(member);
  }
  return value;
}
