// The `webhook_event` job: one stored HubSpot event, processed once. Our own echoes and non-material changes
// are recorded and dropped; a material change re-assesses the deal's request; a stage change goes to the gate;
// a deletion cancels the deal's pending request.
import { z } from 'zod';
import { materialProperties } from '../../src/lifecycle/assess-change.js';
import { onStageChanged } from '../gates/check-stage-change.js';
import type { JobHandler } from '../jobs/types.js';
import { policyDocumentById } from '../store/policies.js';
import { findPortal, type Portal } from '../store/portals.js';
import { latestRequestBrief } from '../store/requests.js';
import { onDealChanged } from '../use-cases/deal-changed.js';
import type { ServiceDeps } from '../use-cases/deps.js';
import { onDealDeleted } from './deal-deleted.js';
import { isOwnWrite } from './own-writes.js';
import { dealEventKind } from './webhook-event-schema.js';
import { findWebhookEvent, markEventProcessed, type WebhookEventRow } from './webhook-inbox.js';

const PayloadSchema = z.object({ webhookEventId: z.string().regex(/^\d+$/) });

export const handleWebhookEvent: JobHandler = async (deps, job) => {
  const { webhookEventId } = PayloadSchema.parse(job.payload);
  const event = await findWebhookEvent(deps.db, webhookEventId);
  // Processed already (a retried job, or a duplicate delivery of a job): nothing changes.
  if (!event || event.processedAt !== null) return;
  const outcome = await processEvent(deps, event);
  await markEventProcessed(deps.db, event.id, outcome);
  deps.logger.debug({ webhookEventId, outcome }, 'webhook event processed');
};

async function processEvent(deps: ServiceDeps, event: WebhookEventRow): Promise<string> {
  const portal = await findPortal(deps.db, event.portalId);
  if (!portal || portal.installState === 'uninstalled') return 'portal_not_installed';
  if (portal.featureFlag === 'off') return 'flag_off';

  const kind = dealEventKind(event.subscriptionType, typeof event.payload.objectTypeId === 'string' ? event.payload.objectTypeId : null);
  switch (kind) {
    case null:
      return 'unsupported_subscription';
    case 'deal.creation':
      // A new deal has no request yet; the card evaluates it when it is opened.
      return 'ignored_creation';
    case 'deal.deletion':
      return onDealDeleted(deps, portal, event.objectId, event.eventId);
    case 'deal.propertyChange':
      break;
  }
  if (event.propertyName === null) return 'no_property';
  if (await isOwnWrite(deps.db, event)) return 'own_write';
  if (event.propertyName === 'dealstage') return onStageChanged(deps, portal, event);
  return onPropertyChanged(deps, portal, event, event.propertyName);
}

async function onPropertyChanged(deps: ServiceDeps, portal: Portal, event: WebhookEventRow, property: string): Promise<string> {
  const live = await latestRequestBrief(deps.db, portal.id, event.objectId);
  if (!live || !['pending', 'approved', 'auto_approved'].includes(live.state)) return 'no_live_request';
  // Material for the policy version the request was routed with, not whatever is active now.
  const policy = await policyDocumentById(deps.db, portal.id, live.policyVersionId);
  if (!policy || !materialProperties(policy).includes(property)) return 'not_material';
  // Order does not matter here: the use case reads the deal as it is now, whichever event arrives first.
  const result = await onDealChanged(deps, portal, event.objectId);
  if (result.kind !== 'assessed') return result.kind;
  return result.invalidated ? 'invalidated' : 'approval_stands';
}

