// The `webhook_event` job: one stored HubSpot event, processed once. Our own echoes and non-material changes
// are recorded and dropped; a material change re-assesses the deal's request; a stage change goes to the gate;
// a deletion cancels the deal's pending request.
import { z } from 'zod';
import { materialProperties } from '../../../src/lifecycle/assess-change.js';
import { onStageChanged } from '../gates/check-stage-change.js';
import type { BatchJobHandler, JobHandler } from '../../jobs/types.js';
import { inOrderPerSubject } from '../../jobs/subjects.js';
import { policyDocumentById } from '../../store/policies.js';
import type { Portal } from '../../store/portals.js';
import { onDealChanged } from './deal-changed.js';
import { isoNow, type ServiceDeps } from '../deps.js';
import { onDealDeleted } from './deal-deleted.js';
import { isOwnWrite } from './own-writes.js';
import { dealEventKind } from '../../../src/contract/webhook-events.js';
import { loadEventFacts, markEventsProcessed, type EventFacts } from '../../store/inbox.js';

const PayloadSchema = z.object({ webhookEventId: z.string().regex(/^\d+$/) });

/** Lines of one deal's events run one after another; this many deals at a time. */
const DEALS_AT_ONCE = 4;

/** One event's job: the batch handler with a batch of one. */
export const handleWebhookEvent: JobHandler = async (deps, job) => {
  const failure = (await handleWebhookEvents(deps, [job])).get(job.id);
  if (failure) throw failure;
};

/**
 * A batch of `webhook_event` jobs: their events and everything deciding about them needs are read in one statement,
 * each deal's events are processed in order (deals side by side), and the outcomes are written in one statement.
 * Returns the jobs that failed, with why; the others are done.
 */
export const handleWebhookEvents: BatchJobHandler = async (deps, jobs) => {
  const failures = new Map<string, Error>();
  const eventIds = new Map<string, string>();
  for (const job of jobs) {
    const parsed = PayloadSchema.safeParse(job.payload);
    if (parsed.success) eventIds.set(job.id, parsed.data.webhookEventId);
    else failures.set(job.id, new Error(`webhook_event job ${job.id} has no event id: ${parsed.error.message}`));
  }
  const facts = await loadEventFacts(deps.db, [...new Set(eventIds.values())]);
  const outcomes: { id: string; outcome: string }[] = [];
  const seen = new Set<string>();
  await inOrderPerSubject(jobs.filter((job) => eventIds.has(job.id)), DEALS_AT_ONCE, async (job) => {
    const known = facts.get(eventIds.get(job.id)!);
    // Processed already (a retried job, or a duplicate delivery of a job): nothing changes.
    if (!known || known.event.processedAt !== null || seen.has(known.event.id)) return;
    seen.add(known.event.id);
    try {
      const outcome = await processEvent(deps, known);
      outcomes.push({ id: known.event.id, outcome });
      deps.logger.debug({ webhookEventId: known.event.id, outcome }, 'webhook event processed');
    } catch (error) {
      failures.set(job.id, error instanceof Error ? error : new Error(String(error)));
    }
  });
  await markEventsProcessed(deps.db, outcomes, isoNow(deps));
  return failures;
};

async function processEvent(deps: ServiceDeps, facts: EventFacts): Promise<string> {
  const { event, portal } = facts;
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
  if (isOwnWrite(event, facts)) return 'own_write';
  if (event.propertyName === 'dealstage') return onStageChanged(deps, portal, event);
  return onPropertyChanged(deps, portal, facts, event.propertyName);
}

async function onPropertyChanged(deps: ServiceDeps, portal: Portal, { event, latest: live }: EventFacts, property: string): Promise<string> {
  // The latest request as read with the batch; a request changed since is read again under its lock below.
  if (!live || !['pending', 'approved', 'auto_approved'].includes(live.state)) return 'no_live_request';
  // Material for the policy version the request was routed with, not whatever is active now.
  const policy = await policyDocumentById(deps.db, portal.id, live.policyVersionId);
  if (!policy || !materialProperties(policy).includes(property)) return 'not_material';
  // Order does not matter here: the use case reads the deal as it is now, whichever event arrives first.
  const result = await onDealChanged(deps, portal, event.objectId);
  if (result.kind !== 'assessed') return result.kind;
  return result.invalidated ? 'invalidated' : 'approval_stands';
}

