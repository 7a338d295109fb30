// A deal changed in the CRM (a webhook, or the demo): re-assess its live request against the policy version
// it was routed with. A stricter route or a higher score invalidates it; otherwise it stands, and the trace says why.
import { canonicalJson, ENGINE_VERSION, hashJson } from '../../../src/hash.js';
import { assessChange, materialChanges, type ChangeAssessment } from '../../../src/lifecycle/assess-change.js';
import { hashPolicy } from '../../../src/evaluate.js';
import { invalidate } from '../../../src/lifecycle/close.js';
import { policyProperties } from '../../../src/policy/policy-properties.js';
import type { Portal } from '../../store/portals.js';
import type { LatestRequest } from '../../store/inbox.js';
import { latestRequestForDeal } from '../../store/requests.js';
import { retryOnConflict } from '../../store/retry-on-conflict.js';
import { appendTrace, storeDocuments } from '../../store/traces.js';
import { isoNow, type ServiceDeps } from '../deps.js';
import { policyDocument } from '../policy-document.js';
import { applyTransition } from '../requests/apply-transition.js';

export type DealChangeOutcome =
  | { kind: 'no_live_request' }
  | { kind: 'deal_missing' }
  | { kind: 'no_material_change' }
  | { kind: 'assessed'; requestId: string; assessment: ChangeAssessment; invalidated: boolean; traceHash: string };

/**
 * `known` is the deal's latest request when the caller read it already (a webhook batch reads every deal's with its
 * events); it is checked again under the request's lock before anything is written.
 */
export async function onDealChanged(deps: ServiceDeps, portal: Portal, dealId: string, known?: LatestRequest | null): Promise<DealChangeOutcome> {
  const live = known !== undefined ? known : await latestRequestForDeal(deps.db, portal.id, dealId);
  if (!live || !isLive(live.state)) return { kind: 'no_live_request' };
  const routedWith = await policyDocument(deps, deps.db, portal.id, live.policyVersionId);
  if (!routedWith) throw new Error(`policy version ${live.policyVersionId} is missing`);
  const crm = deps.crmFor(portal);
  const deal = await crm.getDeal(portal.id, dealId, policyProperties(routedWith));
  if (!deal) return { kind: 'deal_missing' };
  // HubSpot also reports a property set to the value it had: when every material property is as it was routed,
  // there is nothing to assess, and the event's outcome in the inbox is the record of it. Most events end here, so
  // the directory is read only past this point.
  if (materialChanges(live.dealSnapshot, deal, routedWith).length === 0) return { kind: 'no_material_change' };
  const directory = await crm.getDirectory(portal.id);
  // The directory is stored before the transaction, in a statement of its own (see the lock order in store/traces.ts).
  const directoryHash = hashJson(directory);
  await storeDocuments(deps.db, [{ kind: 'directory', hash: directoryHash, canonical: canonicalJson(directory) }]);
  return retryOnConflict(() => deps.db.transaction(async (trx) => {
    const request = await latestRequestForDeal(trx, portal.id, dealId, { forUpdate: true });
    // A decision may have moved the request since it was read: the change is assessed against the request as it
    // stands now (its snapshot and policy version are the request's own and never move), unless it is closed.
    if (!request || request.id !== live.id || !isLive(request.state)) return { kind: 'no_live_request' } as const;
    const at = isoNow(deps);
    const requester = request.lifecycle.requester;
    const assessment = assessChange({ deal: request.dealSnapshot, score: request.score, routeId: request.routeId, requester }, deal, routedWith, directory);
    let invalidated = false;
    let output: unknown = { stands: true };
    if (!assessment.stands) {
      const result = invalidate(request.lifecycle, { reason: assessment.reason }, at);
      if (result.ok) {
        const { rowVersion: version } = await applyTransition(trx, portal, request, result.state, at);
        invalidated = true;
        output = { state: result.state.state, events: result.events, version };
      } else {
        output = { stands: false, notApplied: result.error };
      }
    }
    const trace = await appendTrace(trx, {
      portalId: portal.id, kind: 'change_assessment', requestId: request.id, dealId,
      input: { snapshot: request.dealSnapshot, changed: deal, score: request.score, routeId: request.routeId, requester, directoryHash },
      output: { assessment, result: output },
      policyHash: hashPolicy(routedWith), engineVersion: ENGINE_VERSION, occurredAt: at,
    });
    return { kind: 'assessed', requestId: request.id, assessment, invalidated, traceHash: trace.hash } as const;
  }));
}

/** A request a change can still invalidate. */
export const isLive = (state: string): boolean => state === 'pending' || state === 'approved' || state === 'auto_approved';
