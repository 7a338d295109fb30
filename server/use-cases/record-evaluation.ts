// Evaluations are traced content-addressed: the policy and directory are stored once by hash, and an
// evaluation whose input was seen before reuses that trace row instead of writing another.
import type { Knex } from 'knex';
import { canonicalJson, hashJson } from '../../src/hash.js';
import type { EvaluationInput, EvaluationOutput } from '../../src/evaluate.js';
import { appendTrace, findEvaluationTrace, storeDocument, type AppendedTrace } from '../store/traces.js';

/** What an evaluation trace row stores as its input: the deal and requester in full, documents by hash. */
export interface EvaluationTraceInput {
  deal: EvaluationInput['deal'];
  policyHash: string;
  directoryHash: string;
  requester: string | null;
  at: string | null;
}

export async function recordEvaluation(
  trx: Knex.Transaction,
  portalId: string,
  input: EvaluationInput,
  output: EvaluationOutput,
  context: { dealId: string; requestId?: string | null; occurredAt: string },
): Promise<AppendedTrace> {
  const known = await findEvaluationTrace(trx, portalId, output.inputHash);
  if (known) return known;
  const directoryCanonical = canonicalJson(input.directory);
  const directoryHash = hashJson(input.directory);
  await storeDocument(trx, 'policy', output.policyHash, canonicalJson(input.policy));
  await storeDocument(trx, 'directory', directoryHash, directoryCanonical);
  const traceInput: EvaluationTraceInput = {
    deal: input.deal,
    policyHash: output.policyHash,
    directoryHash,
    requester: input.requester ?? null,
    at: input.at ?? null,
  };
  return appendTrace(trx, {
    portalId,
    kind: 'evaluation',
    requestId: context.requestId ?? null,
    dealId: context.dealId,
    input: traceInput,
    output,
    policyHash: output.policyHash,
    inputHash: output.inputHash,
    engineVersion: output.engineVersion,
    occurredAt: context.occurredAt,
  });
}
