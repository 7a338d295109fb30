// What a change of a request's state causes besides itself: the deal is told the new state (where the portal is
// written to), the people it concerns are told (use-cases/notify), and a step that starts gets its SLA timers.
// Decided here, once, for every use case that moves a request.
import type { DbTransaction } from '../../db/database.js';
import type { ApprovalState } from '../../../src/lifecycle/types.js';
import { enqueueJobs, type NewJob } from '../../store/jobs.js';
import type { Portal } from '../../store/portals.js';
import { saveTransition, type StoredRequest, type TransitionWrites } from '../../store/requests.js';
import { notificationJobs } from '../notify/notification-jobs.js';
import { slaTimerJobs } from '../sla/sla-timer-jobs.js';
import { dealSyncJob } from '../sync/deal-sync.js';

type RequestState = Pick<StoredRequest, 'id' | 'portalId' | 'dealId' | 'score' | 'routeId' | 'rowVersion' | 'lifecycle'>;

/** The jobs a request causes as it goes from `before` (null for a new request) to `after`. */
export function transitionJobs(portal: Pick<Portal, 'id' | 'featureFlag' | 'settings'>, before: RequestState | null, after: RequestState): NewJob[] {
  const sync = dealSyncJob(portal, { id: after.id, dealId: after.dealId, version: after.rowVersion, score: after.score, routeId: after.routeId, lifecycle: after.lifecycle });
  const stepStarts = after.lifecycle.currentStep !== (before?.lifecycle.currentStep ?? null);
  return [...(sync ? [sync] : []), ...notificationJobs(portal, before?.lifecycle ?? null, after), ...(stepStarts ? slaTimerJobs(after.portalId, after.id, after.lifecycle) : [])];
}

/**
 * Saves a transition of a request the caller has locked and enqueues the jobs it causes (jobs before the trace, in
 * the lock order of store/traces.ts). Returns the request as saved.
 */
export async function applyTransition(
  trx: DbTransaction, portal: Pick<Portal, 'id' | 'featureFlag' | 'settings'>, request: StoredRequest, next: ApprovalState, at: string, writes: TransitionWrites = {},
): Promise<StoredRequest> {
  const rowVersion = await saveTransition(trx, request, next, at, writes);
  const saved: StoredRequest = { ...request, lifecycle: next, state: next.state, rowVersion, closedAt: next.closedAt };
  await enqueueJobs(trx, transitionJobs(portal, request, saved), at);
  return saved;
}
