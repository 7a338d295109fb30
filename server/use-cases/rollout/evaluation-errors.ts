// Evaluating the active policy, with a failure recorded for posture before it is passed on: an evaluation that
// throws is a bug or a data shape the policy cannot take, and enough of them in a window turn the portal critical.
import type { Knex } from 'knex';
import { evaluate, inputHashOf, type EvaluationInput, type EvaluationOutput } from '../../../src/evaluate.js';
import { recordEvaluationError } from '../../store/rollout-signals.js';

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
// times the people who look at them: 500 deals seen by three people already need 1,500. What is kept is bounded by
// count and by size, the size taken as the output's JSON length: an output shares most of its strings with its
// policy, so that overstates the heap it holds (a sales-desk output: about 2 KB of JSON, 85 bytes of heap), but a
// step of dozens of approvers makes one several KiB of its own (40 approvers: 6.6 KB of JSON, 5.9 KB of heap), and
// there the size bound is the one that holds: 10,000 of those would be some 60 MB.
const REMEMBERED_LIMIT = 10_000;
const REMEMBERED_BYTES = 16 * 1024 * 1024;
const remembered = new Map<string, { output: EvaluationOutput; bytes: number }>();
let rememberedBytes = 0;

function evaluateRemembering(input: EvaluationInput): EvaluationOutput {
  const inputHash = inputHashOf(input);
  const kept = remembered.get(inputHash);
  if (kept) {
    remembered.delete(inputHash); // to the back of the line
    remembered.set(inputHash, kept);
    return kept.output;
  }
  const output = deepFreeze(evaluate(input, inputHash));
  const bytes = JSON.stringify(output).length;
  for (const [oldest, entry] of remembered) {
    if (remembered.size < REMEMBERED_LIMIT && rememberedBytes + bytes <= REMEMBERED_BYTES) break;
    remembered.delete(oldest);
    rememberedBytes -= entry.bytes;
  }
  if (bytes <= REMEMBERED_BYTES) {
    remembered.set(inputHash, { output, bytes });
    rememberedBytes += bytes;
  }
  return output;
}

/** How many outputs are kept, and their size as counted against REMEMBERED_BYTES. */
export function rememberedEvaluations(): { entries: number; bytes: number; limitBytes: number } {
  return { entries: remembered.size, bytes: rememberedBytes, limitBytes: REMEMBERED_BYTES };
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const member of Object.values(value)) deepFreeze(member);
  }
  return value;
}
