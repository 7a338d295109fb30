// A staged candidate runs in shadow beside the active policy: the same deal, directory, requester and instant go
// through both, and a disagreement is recorded. The shadow never changes what the active policy decided, and a
// failure in it is logged, never passed on to the card or the request.
import type { Db } from '../../db/database.js';
import type { Logger } from 'pino';
import type { Deal } from '../../../src/deal.js';
import { evaluate, type EvaluationInput, type EvaluationOutput } from '../../../src/evaluate.js';
import type { PolicyVersion } from '../../store/policies.js';
import { recordDisagreement } from '../../store/rollout-disagreements.js';
import { disagreementKinds, summariseEvaluation } from './compare-evaluations.js';

export interface ShadowRun {
  portalId: string;
  dealId: string;
  active: PolicyVersion;
  candidate: PolicyVersion;
  /** The active evaluation's input and output. */
  input: EvaluationInput;
  output: EvaluationOutput;
  /** The deal with the candidate's properties too (see loadDealContext). */
  wideDeal: Deal;
  source: 'card' | 'request';
  at: string;
}

/** Evaluates the candidate and records a disagreement; answers which kinds disagreed (empty: none). */
export async function shadowEvaluate(db: Db, logger: Logger, run: ShadowRun): Promise<string[]> {
  try {
    const before = summariseEvaluation(run.output);
    let after: ReturnType<typeof summariseEvaluation> | { error: string };
    let kinds: ReturnType<typeof disagreementKinds> | ['error'];
    try {
      after = summariseEvaluation(evaluate({ ...run.input, deal: run.wideDeal, policy: run.candidate.document }));
      kinds = disagreementKinds(before, after);
    } catch (error) {
      after = { error: error instanceof Error ? error.message : String(error) };
      kinds = ['error'];
    }
    if (kinds.length === 0) return [];
    await recordDisagreement(db, {
      portalId: run.portalId, candidateVersionId: run.candidate.id, activeVersionId: run.active.id, dealId: run.dealId,
      kinds, before, after, source: run.source, at: run.at,
    });
    return kinds;
  } catch (error) {
    logger.warn({ err: error, portalId: run.portalId, dealId: run.dealId, candidate: run.candidate.version }, 'shadow evaluation of the candidate failed');
    return [];
  }
}
