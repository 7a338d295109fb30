// Decisions and withdrawals, each one transaction: claim the idempotency key, lock the request row, let the core
// decide whether the act is allowed, save the new state with the decision, enqueue what it causes, trace it, and
// store the answer. Concurrent acts on one request run one at a time; an act Postgres aborts for a deadlock or a
// serialization failure runs once more.
import type { RequestView } from '../../../src/contract/card-api.js';
import { ENGINE_VERSION, hashJson } from '../../../src/hash.js';
import { withdraw } from '../../../src/lifecycle/close.js';
import { decide } from '../../../src/lifecycle/decide.js';
import type { TransitionResult } from '../../../src/lifecycle/types.js';
import type { Policy } from '../../../src/policy/schema.js';
import type { ResolutionEntry } from '../../../src/routing/types.js';
import type { DbTransaction } from '../../db/database.js';
import { AppError } from '../../errors.js';
import { runIdempotent } from '../../store/idempotency.js';
import { retryOnConflict } from '../../store/retry-on-conflict.js';
import { lockRequestWithPortal, type StoredRequest, type TransitionWrites } from '../../store/requests.js';
import type { TraceEntry } from '../../store/traces.js';
import { isoNow, type ServiceDeps } from '../deps.js';
import { loadPortalAndDirectory, type Viewer } from '../load-facts.js';
import { namesFrom, presentRequest } from '../present.js';
import { applyTransition } from './apply-transition.js';
import { toAppError } from './transition-errors.js';
import { policyDocument } from '../policy-document.js';

type Answer = { request: RequestView; traceHash: string };

/** Where a decision was made: the HubSpot card, an email's one-click link, or Slack. The trace records it. */
export type DecisionChannel = 'card' | 'email' | 'slack';

/** Saves, in the decision's own transaction (after the request, before the trace), what a channel keeps of it. */
export type AlsoSave = (trx: DbTransaction, decided: StoredRequest) => Promise<void>;

export interface DecideInput {
  requestId: string;
  verdict: 'approve' | 'reject';
  comment?: string | undefined;
  idempotencyKey: string;
  expectedVersion?: number | undefined;
  channel?: DecisionChannel | undefined;
  alsoSave?: AlsoSave | undefined;
  /** The step the approver was asked about (a Slack message names one): once another step is active, 409. */
  expectedStep?: number | undefined;
}

export async function decideOnRequest(deps: ServiceDeps, viewer: Viewer, input: DecideInput) {
  const fingerprint = hashJson({ requestId: input.requestId, verdict: input.verdict, comment: input.comment ?? null });
  return actOnRequest(deps, viewer, { ...input, operation: 'decide', fingerprint }, (request, at) => {
    if (input.expectedStep !== undefined && request.lifecycle.currentStep !== input.expectedStep) {
      throw new AppError('conflict', 'the step you were asked about is no longer waiting for a decision');
    }
    const result = decide(request.lifecycle, { approver: viewer.email, verdict: input.verdict, comment: input.comment ?? null }, at);
    const stepIndex = request.lifecycle.currentStep ?? 0;
    const onBehalfOf = delegatedFrom(request.evaluation, stepIndex, viewer.email);
    return {
      result,
      decision: { stepIndex, approverEmail: viewer.email, approverUserId: viewer.userId, onBehalfOf, verdict: input.verdict, comment: input.comment?.trim() || null },
      command: {
        command: 'decide', approver: viewer.email, verdict: input.verdict, comment: input.comment ?? null, step: stepIndex,
        ...(onBehalfOf === null ? {} : { onBehalfOf }), channel: input.channel ?? 'card',
      },
    };
  });
}

export interface WithdrawInput {
  requestId: string;
  reason?: string | undefined;
  idempotencyKey: string;
  expectedVersion?: number | undefined;
}

export async function withdrawRequest(deps: ServiceDeps, viewer: Viewer, input: WithdrawInput) {
  const fingerprint = hashJson({ requestId: input.requestId, reason: input.reason ?? null });
  return actOnRequest(deps, viewer, { ...input, operation: 'withdraw', fingerprint }, (request, at) => {
    if (request.lifecycle.requester !== viewer.email) {
      return { result: { ok: false, error: { code: 'not_requester', message: 'only the requester can withdraw this request' } } satisfies TransitionResult, command: {} };
    }
    return {
      result: withdraw(request.lifecycle, { by: viewer.email, reason: input.reason ?? null }, at),
      command: { command: 'withdraw', by: viewer.email, reason: input.reason ?? null },
    };
  });
}

const TURNED_OFF = 'approval-router is turned off for this portal';

interface Act {
  result: TransitionResult;
  command: Record<string, unknown>;
  decision?: TransitionWrites['decision'];
}

async function actOnRequest(
  deps: ServiceDeps,
  viewer: Viewer,
  input: { requestId: string; idempotencyKey: string; expectedVersion?: number | undefined; operation: string; fingerprint: string; alsoSave?: AlsoSave | undefined },
  act: (request: StoredRequest, at: string) => Act,
) {
  // Names for the answer come from the directory, read before any lock is taken (it may be a network call). The
  // portal's install state, flag and settings are read with the request's lock below: a copy of the portal made
  // stale by a change elsewhere decides nothing.
  const { portal, directory } = await loadPortalAndDirectory(deps, viewer.portalId);
  const scope = { portalId: portal.id, key: input.idempotencyKey, userId: viewer.userId, operation: input.operation, fingerprint: input.fingerprint, at: isoNow(deps) };
  const names = namesFrom(directory);
  return retryOnConflict(() => runIdempotent<Answer>(deps.db, scope, async (trx) => {
    const found = await lockRequestWithPortal(trx, portal.id, input.requestId);
    if (!found) throw new AppError('not_found', `request ${input.requestId} was not found in this portal`);
    if (found.portal.installState === 'uninstalled') throw new AppError('not_found', 'approval-router is not installed in this portal');
    if (found.portal.featureFlag === 'off') throw new AppError('forbidden', TURNED_OFF);
    const { request } = found;
    if (input.expectedVersion !== undefined && input.expectedVersion !== request.rowVersion) {
      throw new AppError('conflict', `the request changed since you saw it (version ${input.expectedVersion}, now ${request.rowVersion}): reload and try again`);
    }
    const at = isoNow(deps);
    const { result, command, decision } = act(request, at);
    if (!result.ok) throw toAppError(result.error);
    const saved = await applyTransition(trx, { id: portal.id, ...found.portal }, request, result.state, at, decision ? { decision } : {});
    if (input.alsoSave) await input.alsoSave(trx, saved);
    const policy = await policyDocument(deps, trx, saved.portalId, saved.policyVersionId);
    if (!policy) throw new Error(`policy version ${saved.policyVersionId} is missing`);
    // Appended last, with the answer (the chain head is the last lock: see the lock order in store/traces.ts).
    const trace: TraceEntry = {
      portalId: portal.id, kind: decision ? 'decision' : 'transition', requestId: request.id, dealId: request.dealId,
      input: { ...command, viewer: viewer.email, fromVersion: request.rowVersion },
      output: { state: result.state.state, events: result.events, version: saved.rowVersion },
      policyHash: request.lifecycle.policyHash, engineVersion: ENGINE_VERSION, occurredAt: at,
    };
    return { status: 200, body: { request: presentSaved(saved, policy, names) }, trace };
  }));
}

/** The request as just saved, from what this transaction wrote rather than read back. */
function presentSaved(saved: StoredRequest, policy: Policy, names: ReturnType<typeof namesFrom>): RequestView {
  // Who each delegate decided for follows from the routing the request was made with, as it did when they decided.
  const onBehalfOf = new Map<string, string>();
  saved.lifecycle.steps.forEach((step, index) => {
    for (const decision of step.decisions) {
      const from = delegatedFrom(saved.evaluation, index, decision.approver);
      if (from !== null) onBehalfOf.set(`${index}:${decision.approver}`, from);
    }
  });
  return presentRequest(saved, policy, names, onBehalfOf);
}

/**
 * The approver a delegate acts for on this step, as the request was routed: its stored evaluation's resolution
 * says who was sent the step on someone's behalf. Null when the decider was routed the step in their own right.
 */
function delegatedFrom(evaluation: unknown, stepIndex: number, approver: string): string | null {
  const steps = (evaluation as { route?: { outcome?: { steps?: unknown } } } | null)?.route?.outcome?.steps;
  if (!Array.isArray(steps)) return null;
  const resolution = (steps[stepIndex] as { resolution?: unknown } | undefined)?.resolution;
  if (!Array.isArray(resolution)) return null;
  for (const entry of resolution as Partial<ResolutionEntry>[]) {
    if (entry.status === 'approver' && entry.email === approver && typeof entry.delegatedFrom === 'string') return entry.delegatedFrom;
  }
  return null;
}
