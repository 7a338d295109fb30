// A deal's stage changed in HubSpot: record it, or, when it entered a gated stage without a valid approval,
// queue the rollback (flag `on`) or trace that we would have rolled it back (flag `shadow`).
import { PIPELINE_PROPERTY, readProperty } from '../../../src/deal.js';
import { ENGINE_VERSION } from '../../../src/hash.js';
import { enqueueJob } from '../../store/jobs.js';
import { activePolicy } from '../../store/policies.js';
import type { Portal } from '../../store/portals.js';
import { latestRequestForDeal } from '../../store/requests.js';
import { appendTrace } from '../../store/traces.js';
import { isoNow, type ServiceDeps } from '../deps.js';
import { findWebhookEvent, markEventProcessed, type WebhookEventRow } from '../../store/inbox.js';
import type { RollbackPayload } from './gate-rollback.js';
import { gatedStages, isValidApproval, previousAllowedStage } from './gate-rules.js';
import { latestStageInstant, lockDealStages, recordStage, stageHistory } from '../../store/stage-history.js';

/** Decides and records the outcome of one stage event; marks it processed in the same transaction. */
export async function onStageChanged(deps: ServiceDeps, portal: Portal, event: WebhookEventRow): Promise<string> {
  const dealId = event.objectId;
  const stage = event.propertyValue === null || event.propertyValue === '' ? null : event.propertyValue;
  const policy = await activePolicy(deps.db, portal.id);
  const gatedAnywhere = new Set((policy?.document.gates ?? []).flatMap((gate) => gate.stages));

  // Only a stage some gate names needs the deal's pipeline; the others are recorded without a HubSpot call.
  let pipeline: string | null = null;
  if (stage !== null && gatedAnywhere.has(stage)) {
    const deal = await deps.crmFor(portal).getDeal(portal.id, dealId, [PIPELINE_PROPERTY]);
    if (!deal) return finish(deps, event, 'deal_missing');
    pipeline = readProperty(deal, PIPELINE_PROPERTY);
  }
  const gated = gatedStages(policy?.document, pipeline);

  return deps.db.transaction(async (trx) => {
    await lockDealStages(trx, portal.id, dealId);
    const current = await findWebhookEvent(trx, event.id, { forUpdate: true });
    if (!current || current.processedAt) return current?.outcome ?? 'missing';

    const decide = async (): Promise<string> => {
      if (stage === null) return 'stage_cleared';
      const row = { portalId: portal.id, dealId, stage, pipeline, occurredAt: event.occurredAt, webhookEventId: event.id, recordedAt: isoNow(deps) };
      // Events arrive in no order: a stage older than one we already know says nothing about the deal now, so
      // no gate acts on it; it is still history (where the deal stood before), which a rollback may return to.
      const latest = await latestStageInstant(trx, portal.id, dealId);
      if (latest !== null && event.occurredAt < latest) {
        if (!gated.has(stage)) await recordStage(trx, { ...row, source: 'hubspot' });
        return 'stale_stage';
      }
      if (!gated.has(stage)) {
        await recordStage(trx, { ...row, source: 'hubspot' });
        return 'stage_recorded';
      }
      const request = await latestRequestForDeal(trx, portal.id, dealId);
      if (isValidApproval(request?.state)) {
        await recordStage(trx, { ...row, source: 'hubspot', detail: { approvedRequestId: request?.id } });
        return 'gate_passed_approved';
      }
      if (portal.featureFlag === 'on') {
        await recordStage(trx, { ...row, source: 'blocked', detail: { requestId: request?.id ?? null, requestState: request?.state ?? null } });
        const payload: RollbackPayload = { dealId, stage, pipeline, webhookEventId: event.id };
        // Keyed by deal: a second gated move queued before the first rollback ran replaces it.
        await enqueueJob(trx, { portalId: portal.id, kind: 'gate_rollback', key: dealId, payload }, isoNow(deps));
        return 'rollback_queued';
      }
      // Shadow: the gate is not enforced; the deal stays, and the trace says what `on` would have done.
      await recordStage(trx, { ...row, source: 'shadow' });
      const previous = previousAllowedStage({
        history: await stageHistory(trx, portal.id, dealId), pipeline, current: stage, gated,
        requestSnapshot: request ? { stage: readProperty(request.dealSnapshot, 'dealstage'), pipeline: readProperty(request.dealSnapshot, PIPELINE_PROPERTY) } : null,
      });
      await appendTrace(trx, {
        portalId: portal.id, kind: 'gate', requestId: request?.id ?? null, dealId,
        input: { gate: { pipeline, stage }, webhookEvent: { id: event.eventId, occurredAt: event.occurredAt.toISOString() }, request: request ? { id: request.id, state: request.state } : null },
        output: { gate: 'would_roll_back', mode: 'shadow', to: previous },
        policyHash: policy?.hash ?? null, engineVersion: ENGINE_VERSION, occurredAt: isoNow(deps),
      });
      return 'shadow_would_roll_back';
    };

    const outcome = await decide();
    await markEventProcessed(trx, event.id, outcome, isoNow(deps));
    return outcome;
  });
}

async function finish(deps: ServiceDeps, event: WebhookEventRow, outcome: string): Promise<string> {
  await markEventProcessed(deps.db, event.id, outcome, isoNow(deps));
  return outcome;
}
