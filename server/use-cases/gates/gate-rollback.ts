// A deal entered a gated stage without a valid approval (the gate queued its rollback). Check again (it may have been
// approved or moved meanwhile), write the previous allowed stage back, and tell the rep why with a note and a task.
// The decision is recorded before the write, so a retried job finishes the same rollback instead of starting another.
import { z } from 'zod';
import { PIPELINE_PROPERTY, readProperty, STAGE_PROPERTY, type Deal } from '../../../src/deal.js';
import { evaluate } from '../../../src/evaluate.js';
import { ENGINE_VERSION } from '../../../src/hash.js';
import { policyProperties } from '../../../src/policy/policy-properties.js';
import type { Policy } from '../../../src/policy/schema.js';
import type { Crm } from '../../crm/crm.js';
import { activePolicy, type PolicyVersion } from '../../store/policies.js';
import { findPortal, type Portal } from '../../store/portals.js';
import { latestRequestForDeal } from '../../store/requests.js';
import { appendTrace } from '../../store/traces.js';
import { isoNow, type ServiceDeps } from '../deps.js';
import { htmlBody } from '../notify/hubspot-html.js';
import { gatedStages, gateNote, isValidApproval, previousAllowedStage, stageLabel } from './gate-rules.js';
import { gateActionFor, lockDealStages, markFollowedUp, markNoteAdded, recordStage, stageHistory, type StageRow } from '../../store/stage-history.js';

/** What the gate queues for a blocked stage event (check-stage-change.ts). */
export const RollbackPayloadSchema = z.object({
  dealId: z.string().min(1),
  /** The gated stage the deal entered. */
  stage: z.string().min(1),
  pipeline: z.string().nullable(),
  /** The inbox row of the stage event: a rollback acts once per blocked event. */
  webhookEventId: z.string().regex(/^\d+$/),
});
export type RollbackPayload = z.infer<typeof RollbackPayloadSchema>;

const ActionDetailSchema = z.object({
  from: z.string(),
  to: z.string().nullable(),
  route: z.string(),
  requestId: z.string().nullable(),
  requestState: z.enum(['pending', 'approved', 'rejected', 'withdrawn', 'invalidated', 'auto_approved']).nullable(),
  ownerId: z.string().nullable(),
  noteAdded: z.boolean().optional(),
});
type ActionDetail = z.infer<typeof ActionDetailSchema>;

/** The owner's task is due a day after the rollback. */
const TASK_DUE_MS = 24 * 3_600_000;

export async function rollBackGatedStage(deps: ServiceDeps, portalId: string, payload: RollbackPayload): Promise<void> {
  const portal = await findPortal(deps.db, portalId);
  // The flag may have changed since the job was queued: only `on` enforces gates.
  if (!portal || portal.installState === 'uninstalled' || portal.featureFlag !== 'on') return;
  const policy = await activePolicy(deps.db, portal.id);
  if (!policy) return;
  const crm = deps.crmFor(portal);

  const existing = await gateActionFor(deps.db, payload.webhookEventId);
  // A first run knows the deal's stage from its own check; a retry reads it again.
  const decided = existing ? { action: existing, stage: undefined } : await decideRollback(deps, portal, policy, crm, payload);
  if (decided === null || decided.action.followedUpAt !== null) return;
  await carryOut(deps, portal, policy, crm, payload.dealId, decided.action, decided.stage);
}

/** Re-checks the deal as it is now and records what the gate will do; null when nothing needs doing. */
async function decideRollback(deps: ServiceDeps, portal: Portal, policy: PolicyVersion, crm: Crm, payload: RollbackPayload): Promise<{ action: StageRow; stage: string } | null> {
  const { dealId } = payload;
  const [deal, directory] = await Promise.all([crm.getDeal(portal.id, dealId, policyProperties(policy.document)), crm.getDirectory(portal.id)]);
  if (!deal) return null;
  const current = readProperty(deal, STAGE_PROPERTY);
  const pipeline = readProperty(deal, PIPELINE_PROPERTY);
  const gated = gatedStages(policy.document, pipeline);
  // Moved out of the gate already (by the rep, or an earlier rollback): nothing to undo.
  if (current === null || !gated.has(current)) {
    deps.logger.info({ portalId: portal.id, dealId, stage: current }, 'gate rollback skipped: the deal is no longer in a gated stage');
    return null;
  }

  return deps.db.transaction(async (trx) => {
    await lockDealStages(trx, portal.id, dealId);
    const request = await latestRequestForDeal(trx, portal.id, dealId);
    if (isValidApproval(request?.state)) {
      deps.logger.info({ portalId: portal.id, dealId, requestId: request?.id }, 'gate rollback skipped: the deal was approved meanwhile');
      return null;
    }
    const snapshot = request?.dealSnapshot;
    const to = previousAllowedStage({
      history: await stageHistory(trx, portal.id, dealId), pipeline, current, gated,
      requestSnapshot: snapshot ? { stage: readProperty(snapshot, STAGE_PROPERTY), pipeline: readProperty(snapshot, PIPELINE_PROPERTY) } : null,
    });
    const detail: ActionDetail = {
      from: current,
      to,
      route: request?.state === 'pending' ? routeLabel(policy.document, request.routeId) : routeNow(policy.document, deal, directory),
      requestId: request?.id ?? null,
      requestState: request?.state ?? null,
      ownerId: readProperty(deal, 'hubspot_owner_id'),
    };
    const now = deps.now();
    // Recorded before the write: this row is also the loop guard (own-writes.ts), and HubSpot's echo of the
    // write can arrive before the call returns.
    const { row } = await recordStage(trx, {
      portalId: portal.id, dealId, stage: to ?? current, pipeline, occurredAt: now,
      source: to === null ? 'flagged' : 'rollback', webhookEventId: payload.webhookEventId, detail, recordedAt: now.toISOString(),
    });
    return { action: row, stage: current };
  });
}

async function carryOut(deps: ServiceDeps, portal: Portal, policy: PolicyVersion, crm: Crm, dealId: string, action: StageRow, knownStage: string | undefined): Promise<void> {
  const detail = ActionDetailSchema.parse(action.detail);
  let write: unknown = null;
  if (action.source === 'rollback' && detail.to !== null) {
    // A retry may find the write done (then only the note is missing) or the deal moved on by someone else.
    const current = knownStage !== undefined ? knownStage : await currentStage(crm, portal.id, dealId);
    if (current !== detail.to && current !== detail.from) {
      await finishAction(deps, portal, policy, dealId, action, detail, { outcome: 'superseded', stage: current });
      return;
    }
    if (current === detail.from) {
      const result = await crm.updateDeals(portal.id, [{ id: dealId, properties: { [STAGE_PROPERTY]: detail.to } }]);
      if (result.failed.length > 0) {
        await finishAction(deps, portal, policy, dealId, action, detail, { outcome: 'write_failed', failed: result.failed });
        return;
      }
      write = { updated: result.updated, calls: result.calls };
    }
  }

  const note = gateNote({ from: detail.from, to: detail.to, route: detail.route, requestState: detail.requestState });
  const body = htmlBody(note);
  if (!detail.noteAdded) {
    await crm.addNote(portal.id, dealId, body);
    await markNoteAdded(deps.db, action.id);
  }
  const taskId = await crm.addTask(portal.id, dealId, {
    subject: `Get approval before ${stageLabel(detail.from)}`,
    body,
    dueAt: new Date(deps.now().getTime() + TASK_DUE_MS),
    ...(detail.ownerId ? { ownerId: detail.ownerId } : {}),
  });
  await finishAction(deps, portal, policy, dealId, action, detail, { outcome: detail.to === null ? 'flagged' : 'rolled_back', write, note, taskId });
}

async function finishAction(deps: ServiceDeps, portal: Portal, policy: PolicyVersion, dealId: string, action: StageRow, detail: ActionDetail, result: Record<string, unknown>): Promise<void> {
  await deps.db.transaction(async (trx) => {
    await markFollowedUp(trx, action.id, { result: result.outcome }, deps.now().toISOString());
    await appendTrace(trx, {
      portalId: portal.id, kind: 'gate', requestId: detail.requestId, dealId,
      input: { gate: { from: detail.from, to: detail.to, route: detail.route }, request: { id: detail.requestId, state: detail.requestState }, blockedEvent: action.webhookEventId },
      output: { gate: result.outcome, ...result },
      policyHash: policy.hash, engineVersion: ENGINE_VERSION, occurredAt: isoNow(deps),
    });
  });
}

async function currentStage(crm: Crm, portalId: string, dealId: string): Promise<string | null> {
  const deal = await crm.getDeal(portalId, dealId, [STAGE_PROPERTY]);
  return deal ? readProperty(deal, STAGE_PROPERTY) : null;
}

function routeLabel(policy: Policy, routeId: string | null): string {
  if (routeId === null) return 'none matches';
  return policy.routes.find((route) => route.id === routeId)?.label ?? routeId;
}

function routeNow(policy: Policy, deal: Deal, directory: Parameters<typeof evaluate>[0]['directory']): string {
  return routeLabel(policy, evaluate({ deal, policy, directory }).route.routeId);
}
