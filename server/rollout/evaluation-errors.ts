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
// Outputs are kept least recently used first out, frozen so no caller can change what the next one is given. The
// input names the viewer (a requester is never routed to themselves), so a portal's working set is its open deals
// times the people who look at them: 500 deals seen by three people already need 1,500. An output shares most of
// its strings with its policy; 2,000 sales-desk outputs held about 125 bytes of heap each beyond that, and a step of
// dozens of approvers makes one a few KiB, so the bound keeps this within a few MiB, or tens of MiB for such policies.
const REMEMBERED_LIMIT = 10_000;
const remembered = new Map<string, EvaluationOutput>();

function evaluateRemembering(input: EvaluationInput): EvaluationOutput {
  const inputHash = inputHashOf(input);
  const kept = remembered.get(inputHash);
  if (kept) {
    remembered.delete(inputHash); // to the back of the line
    remembered.set(inputHash, kept);
    return kept;
  }
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
