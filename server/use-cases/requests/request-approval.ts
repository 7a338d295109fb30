// A rep asks for approval: load the deal's facts, route them, open the request (or auto-approve it),
// persist it with its steps, and trace the evaluation and the transition, all in one transaction (run once more
// when Postgres aborts it for a deadlock).
import { randomUUID } from 'node:crypto';
import type { RequestView } from '../../../src/contract/card-api.js';
import { stoppedDelegations } from '../../../src/directory/delegation-hops.js';
import type { EvaluationInput, EvaluationOutput } from '../../../src/evaluate.js';
import { hashJson } from '../../../src/hash.js';
import { request as openRequest } from '../../../src/lifecycle/request.js';
import { AppError } from '../../errors.js';
import { evaluateRecordingErrors } from '../rollout/evaluation-errors.js';
import { shadowEvaluate } from '../rollout/shadow-evaluation.js';
import { runIdempotent } from '../../store/idempotency.js';
import { enqueueJobs } from '../../store/jobs.js';
import { rolloutState } from '../../store/rollout-versions.js';
import { insertRequest, latestRequestForDeal, findRequest, setEvaluationTrace } from '../../store/requests.js';
import { retryOnConflict } from '../../store/retry-on-conflict.js';
import { appendTrace, type TraceEntry } from '../../store/traces.js';
import { isoNow, type ServiceDeps } from '../deps.js';
import { loadDealContext, loadPortal, type Viewer } from '../load-facts.js';
import { namesFrom, presentRequest } from '../present.js';
import { evaluationTraceFor } from '../trace-evaluation.js';
import { transitionJobs } from './apply-transition.js';
import { toAppError } from './transition-errors.js';

export interface RequestApprovalInput {
  dealId: string;
  justification: string;
  idempotencyKey: string;
}

export async function requestApproval(deps: ServiceDeps, viewer: Viewer, input: RequestApprovalInput) {
  const [portal, rollout] = await Promise.all([loadPortal(deps, viewer.portalId), rolloutState(deps.db, viewer.portalId)]);
  if (portal.featureFlag === 'off') throw new AppError('forbidden', 'approval-router is turned off for this portal');
  const scope = {
    portalId: portal.id, key: input.idempotencyKey, userId: viewer.userId, operation: 'request',
    fingerprint: hashJson({ dealId: input.dealId, justification: input.justification }), at: isoNow(deps),
  };
  // Facts are read before the transaction: the CRM may be a network call, and no lock should wait on it.
  const context = await loadDealContext(deps, portal, input.dealId, undefined, { alsoFor: rollout.candidate?.document ?? null });
  let evaluated: { input: EvaluationInput; output: EvaluationOutput; at: string } | undefined;
  const answer = await retryOnConflict(async () => {
    const at = isoNow(deps);
    const id = randomUUID();
    const { policy, deal, directory } = context;
    const evaluationInput = { deal, policy: policy.document, directory, requester: viewer.email, at };
    const output = await evaluateRecordingErrors(deps.db, { portalId: portal.id, policyVersionId: policy.id, dealId: input.dealId, source: 'request', at }, evaluationInput);
    evaluated = { input: evaluationInput, output, at };
    const stopped = stoppedDelegations(output.route, directory, at);
    const evaluation = await evaluationTraceFor(deps.db, portal.id, evaluationInput, output, { dealId: input.dealId, requestId: id, occurredAt: at });
    // Locks in the order store/traces.ts gives: the deal's latest request and the new one's pending slot, its jobs,
    // then the portal's chain head, by the traces appended last.
    return runIdempotent<{ request: RequestView; traceHash: string }>(deps.db, scope, async (trx) => {
      const previous = await latestRequestForDeal(trx, portal.id, input.dealId, { forUpdate: true });
      const result = openRequest(previous?.lifecycle ?? null, {
        requester: viewer.email, justification: input.justification, route: output.route, policyHash: output.policyHash,
      }, at);
      if (!result.ok) throw toAppError(result.error);

      const routed = { score: output.score, route: output.route, inputHash: output.inputHash, outputHash: output.outputHash };
      try {
        await insertRequest(trx, {
          id, portalId: portal.id, dealId: input.dealId, requesterEmail: viewer.email, requesterUserId: viewer.userId,
          justification: input.justification, dealSnapshot: deal, snapshotHash: hashJson(deal), score: output.score.score,
          routeId: output.route.routeId ?? '', policyVersionId: policy.id, lifecycle: result.state,
          evaluation: evaluation.known ? { ...routed, traceHash: evaluation.known.hash } : routed,
          at,
        });
      } catch (error) {
        // Two requests for one deal at the same instant: the partial unique index lets only one be pending.
        if ((error as { code?: string }).code === '23505') throw new AppError('conflict', 'a request is already pending for this deal');
        throw error;
      }
      const stored = await findRequest(trx, portal.id, id);
      if (!stored) throw new Error('the request just inserted is missing');
      await enqueueJobs(trx, transitionJobs(portal, null, stored), at);

      const evaluationTrace = evaluation.known ?? await appendTrace(trx, evaluation.entry);
      if (evaluation.known === null) await setEvaluationTrace(trx, portal.id, id, evaluationTrace.hash);
      const trace: TraceEntry = {
        portalId: portal.id, kind: 'transition', requestId: id, dealId: input.dealId,
        input: {
          command: 'request', requester: viewer.email, justification: input.justification, evaluation: evaluationTrace.hash,
          // Delegations go one hop: where a delegate is away too, the trace says whose delegation was not followed.
          ...(stopped.length > 0 ? { delegationsNotFollowed: stopped } : {}),
        },
        output: { state: result.state.state, events: result.events },
        policyHash: output.policyHash, engineVersion: output.engineVersion, occurredAt: at,
      };
      return { status: 201, body: { request: presentRequest(stored, policy.document, namesFrom(directory)) }, trace };
    });
  });
  // A staged candidate is run after the transaction, so the shadow never holds the request's locks.
  const candidate = rollout.candidate;
  if (evaluated && candidate && candidate.id !== context.policy.id) {
    await shadowEvaluate(deps.db, deps.logger, {
      portalId: portal.id, dealId: input.dealId, active: context.policy, candidate, input: evaluated.input, output: evaluated.output,
      wideDeal: context.wideDeal, source: 'request', at: evaluated.at,
    });
  }
  return answer;
}
