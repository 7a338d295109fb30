// A deal was deleted in HubSpot: its pending request has nothing left to approve, so it closes as invalidated
// (the approvers' inbox empties and its SLA timers find it closed). Nothing is written back: the deal is gone.
import { ENGINE_VERSION } from '../../../src/hash.js';
import { invalidate } from '../../../src/lifecycle/close.js';
import { policyById } from '../../store/policies.js';
import type { Portal } from '../../store/portals.js';
import { latestRequestForDeal, saveTransition } from '../../store/requests.js';
import { appendTrace } from '../../store/traces.js';
import { isoNow, type ServiceDeps } from '../deps.js';

export async function onDealDeleted(deps: ServiceDeps, portal: Portal, dealId: string, eventId: string): Promise<string> {
  return deps.db.transaction(async (trx) => {
    const request = await latestRequestForDeal(trx, portal.id, dealId, { forUpdate: true });
    if (!request || request.state !== 'pending') return 'no_open_request';
    const at = isoNow(deps);
    const result = invalidate(request.lifecycle, { reason: 'the deal was deleted in HubSpot' }, at);
    if (!result.ok) return 'no_open_request';
    const version = await saveTransition(trx, request, result.state, at);
    const policy = await policyById(trx, portal.id, request.policyVersionId);
    await appendTrace(trx, {
      portalId: portal.id, kind: 'transition', requestId: request.id, dealId,
      input: { command: 'deal_deleted', webhookEventId: eventId },
      output: { state: result.state.state, events: result.events, version },
      policyHash: policy?.hash ?? null, engineVersion: ENGINE_VERSION, occurredAt: at,
    });
    return 'request_cancelled';
  });
}
