// Evaluations are traced content-addressed: the policy and directory are stored once by hash, and an
// evaluation whose input was traced before reuses that trace row instead of writing another.
import type { EvaluationTraceCache } from '../cache/evaluation-traces.js';
import type { Db } from '../db/database.js';
import { canonicalJson } from '../../src/hash.js';
import { hashDirectory, type EvaluationInput, type EvaluationOutput } from '../../src/evaluate.js';
import { appendTrace, findEvaluationTrace, storeDocuments, type AppendedTrace, type TraceEntry } from '../store/traces.js';

/** What an evaluation trace row stores as its input: the deal and requester in full, documents by hash. */
export interface EvaluationTraceInput {
  deal: EvaluationInput['deal'];
  policyHash: string;
  directoryHash: string;
  requester: string | null;
  at: string | null;
}

/** The trace of this evaluation: the row of the same input when there is one (kept, or one indexed read), else a new one. */
export async function traceEvaluation(
  db: Db,
  portalId: string,
  input: EvaluationInput,
  output: EvaluationOutput,
  context: { dealId: string; requestId?: string | null; occurredAt: string },
  kept?: EvaluationTraceCache,
): Promise<AppendedTrace> {
  const remembered = kept?.get(portalId, output.inputHash);
  if (remembered) return remembered;
  const known = await findEvaluationTrace(db, portalId, output.inputHash);
  if (known) {
    kept?.keep(portalId, output.inputHash, known);
    return known;
  }
  // The documents first, then the trace in a statement of its own (its own transaction): the portal's chain-head lock
  // is held while that statement runs and commits, never across a round trip to this process. A preview decides
  // nothing, so its commit need not wait for the disk: WAL is written in order, so the next synchronous commit (any
  // decision) flushes it too, and a crash can only lose the newest previews, never leave a gap in the chain.
  return appendTrace(db, await newEvaluationEntry(db, portalId, input, output, context, kept), { waitForDisk: false });
}

/**
 * For an action that traces its evaluation inside its own transaction: the trace of this evaluation when one was
 * appended before, else the entry to append, its policy and directory documents already stored (each in a statement
 * of its own, before the action's transaction: see the lock order in store/traces.ts).
 */
export async function evaluationTraceFor(
  db: Db,
  portalId: string,
  input: EvaluationInput,
  output: EvaluationOutput,
  context: { dealId: string; requestId?: string | null; occurredAt: string },
): Promise<{ known: AppendedTrace; entry: null } | { known: null; entry: TraceEntry }> {
  const known = await findEvaluationTrace(db, portalId, output.inputHash);
  return known ? { known, entry: null } : { known: null, entry: await newEvaluationEntry(db, portalId, input, output, context) };
}

/** The trace entry for an evaluation not traced before, its policy and directory documents stored first. */
async function newEvaluationEntry(
  db: Db,
  portalId: string,
  input: EvaluationInput,
  output: EvaluationOutput,
  context: { dealId: string; requestId?: string | null; occurredAt: string },
  kept?: EvaluationTraceCache,
): Promise<TraceEntry> {
  const directoryHash = hashDirectory(input.directory);
  const documents = [
    { kind: 'policy' as const, hash: output.policyHash, value: input.policy },
    { kind: 'directory' as const, hash: directoryHash, value: input.directory },
  ].filter(({ hash }) => !kept?.documentStored(hash));
  if (documents.length > 0) {
    await storeDocuments(db, documents.map(({ kind, hash, value }) => ({ kind, hash, canonical: canonicalJson(value) })));
    for (const { hash } of documents) kept?.keepDocument(hash);
  }
  const traceInput: EvaluationTraceInput = {
    deal: input.deal,
    policyHash: output.policyHash,
    directoryHash,
    requester: input.requester ?? null,
    at: input.at ?? null,
  };
  return {
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
  };
}
