// The outbox side of a state change: what the deal's approval_router_* properties should say now, enqueued in
// the same transaction as the change. Only portals whose flag is `on` are written to; shadow writes nothing.
import type { ApprovalState } from '../../../src/lifecycle/types.js';
import { parseInstant } from '../../../src/time.js';
import { DEAL_PROPERTIES } from '../../hubspot/provision-properties.js';
import type { Portal } from '../../store/portals.js';
import type { NewJob } from '../../store/jobs.js';
import { activeStep, waitingOn } from '../../../src/lifecycle/waiting.js';

export interface SyncDealPayload {
  dealId: string;
  requestId: string;
  /** The request's row version: a sync never overwrites a newer one. */
  version: number;
  properties: Record<string, string>;
}

export function dealSyncProperties(request: { id: string; score: number; routeId: string; lifecycle: ApprovalState }): Record<string, string> {
  const lifecycle = request.lifecycle;
  const active = activeStep(lifecycle);
  const closedAt = lifecycle.closedAt ? parseInstant(lifecycle.closedAt) : null;
  return {
    [DEAL_PROPERTIES.status]: lifecycle.state,
    [DEAL_PROPERTIES.score]: String(request.score),
    [DEAL_PROPERTIES.route]: request.routeId,
    [DEAL_PROPERTIES.currentStep]: active?.id ?? '',
    [DEAL_PROPERTIES.requestId]: request.id,
    [DEAL_PROPERTIES.decidedAt]: closedAt === null ? '' : String(closedAt),
    [DEAL_PROPERTIES.approvers]: active ? waitingOn(lifecycle, active).join(', ') : '',
  };
}

/** The job that writes this state of the request to its deal, or null where the portal is not written to. */
export function dealSyncJob(
  portal: Pick<Portal, 'id' | 'featureFlag'>,
  request: { id: string; dealId: string; version: number; score: number; routeId: string; lifecycle: ApprovalState },
): NewJob | null {
  if (portal.featureFlag !== 'on') return null;
  const payload: SyncDealPayload = { dealId: request.dealId, requestId: request.id, version: request.version, properties: dealSyncProperties(request) };
  return { portalId: portal.id, kind: 'sync_deal', key: request.dealId, payload };
}
