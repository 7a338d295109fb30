// Staged rollout, for admins: stage a saved version as the portal's candidate (it runs in shadow beside the active
// one, and its shadow window is recorded for the promotion gate), read what it would change, then promote it to
// active through the gate, or drop it. Every step is traced.
import type { PromoteAnswer } from '../../../src/contract/settings-api.js';
import { ENGINE_VERSION } from '../../../src/hash.js';
import { AppError } from '../../errors.js';
import { activePolicy, policyByVersion } from '../../store/policies.js';
import { lockPortal } from '../../store/portals.js';
import { summariseDisagreements } from '../../store/rollout-disagreements.js';
import { recordShadowEnded, recordShadowStarted } from '../../store/rollout-gate.js';
import { clearCandidate, markStable, rolloutState, rolloutVersion, stageCandidate, type RolloutVersion } from '../../store/rollout-versions.js';
import { countDealsEvaluated } from '../../store/trace-reads.js';
import { appendTrace } from '../../store/traces.js';
import { loadAdminPortal } from '../admin/admin-portal.js';
import type { AdminSettings } from '../admin/admin-settings.js';
import { runAdminWrite } from '../admin/admin-write.js';
import { isoNow, type ServiceDeps } from '../deps.js';
import type { Viewer } from '../load-facts.js';
import { activateThroughGate, type GateRequest } from './gated-activation.js';
import { assessPosture, DEFAULT_POSTURE_THRESHOLDS, type PostureThresholds } from './posture.js';

const ref = (v: { version: number; name: string; hash: string }) => ({ version: v.version, name: v.name, hash: v.hash });

export async function stagePolicyVersion(deps: ServiceDeps, viewer: Viewer, versionNumber: number) {
  const portal = await loadAdminPortal(deps, viewer);
  return deps.db.transaction(async (trx) => {
    await lockPortal(trx, portal.id);
    const target = await policyByVersion(trx, portal.id, versionNumber);
    if (!target) throw new AppError('not_found', `policy version ${versionNumber} does not exist in this portal`);
    const active = await activePolicy(trx, portal.id);
    if (active?.id === target.id) throw new AppError('conflict', `version ${versionNumber} is already the active version: there is nothing to stage`);
    const { candidate } = await rolloutState(trx, portal.id);
    if (candidate?.id === target.id) return { candidate: candidateView(candidate), active: active ? ref(active) : null, changed: false };
    const at = isoNow(deps);
    await stageCandidate(trx, portal.id, target.id, viewer.email, at);
    if (candidate) await recordShadowEnded(trx, portal.id, candidate.id, at);
    await recordShadowStarted(trx, portal.id, target.id, at);
    await appendTrace(trx, {
      portalId: portal.id, kind: 'rollout',
      input: { command: 'stage', by: viewer.email, version: versionNumber, active: active?.version ?? null, replaced: candidate?.version ?? null },
      output: { candidate: versionNumber, hash: target.hash }, policyHash: target.hash, engineVersion: ENGINE_VERSION, occurredAt: at,
    });
    return {
      candidate: { ...ref(target), stagedBy: viewer.email, stagedAt: at },
      active: active ? ref(active) : null,
      replaced: candidate ? ref(candidate) : null,
      changed: true,
    };
  });
}

/** What the candidate would change so far: disagreement counts by kind, deals affected, and the latest examples. */
export async function getCandidateSummary(deps: ServiceDeps, viewer: Viewer) {
  const portal = await loadAdminPortal(deps, viewer);
  const [{ candidate }, active] = await Promise.all([rolloutState(deps.db, portal.id), activePolicy(deps.db, portal.id)]);
  if (!candidate) throw new AppError('not_found', 'no candidate is staged in this portal');
  const since = candidate.stagedAt ?? candidate.createdAt;
  const [summary, evaluatedDeals] = await Promise.all([
    summariseDisagreements(deps.db, portal.id, candidate.id, since),
    active ? countDealsEvaluated(deps.db, portal.id, active.hash, since) : 0,
  ]);
  return {
    candidate: candidateView(candidate),
    active: active ? ref(active) : null,
    /** Distinct deals the active version evaluated since staging: each was also run through the candidate. */
    evaluatedDeals,
    disagreements: summary.counts,
    agreementRate: evaluatedDeals === 0 ? null : Math.max(0, (evaluatedDeals - summary.counts.deals) / evaluatedDeals),
    examples: summary.examples,
  };
}

/** Activates the staged candidate through the promotion gate (or an admin's override with a reason). */
export async function promoteCandidate(
  deps: ServiceDeps, viewer: Viewer, input: { expectedActiveVersion?: number | null | undefined; idempotencyKey: string } & GateRequest,
  settings: AdminSettings, thresholds: PostureThresholds = DEFAULT_POSTURE_THRESHOLDS,
): Promise<PromoteAnswer> {
  const portal = await loadAdminPortal(deps, viewer);
  // The outgoing version becomes a rollback target if it has earned it: healthy, and past its probation.
  const outgoing = await assessPosture(deps.db, portal.id, deps.now(), thresholds);
  const request = { expectedActiveVersion: input.expectedActiveVersion ?? 'any', override: input.override ?? false, reason: input.reason ?? null };
  const answer = await runAdminWrite(deps, portal, viewer, { idempotencyKey: input.idempotencyKey, operation: 'admin.promote_candidate', request }, async (trx) => {
    // One statement at a time: a transaction is one connection, which runs one query at a time.
    const { candidate } = await rolloutState(trx, portal.id);
    const current = await rolloutVersion(trx, portal.id, { active: true });
    if (!candidate) throw new AppError('not_found', 'no candidate is staged in this portal');
    if (input.expectedActiveVersion !== undefined && (current?.version ?? null) !== input.expectedActiveVersion) {
      throw new AppError('conflict', `the active version is ${current?.version ?? 'none'}, not ${input.expectedActiveVersion ?? 'none'}: reload and try again`);
    }
    if (current && outgoing.active?.id === current.id && outgoing.posture === 'healthy' && !outgoing.active.inProbation) {
      await markStable(trx, portal.id, current.id, isoNow(deps));
    }
    const activated = await activateThroughGate(trx, deps, portal, viewer.email, { target: candidate, current }, input, settings, 'promote');
    const body: PromoteAnswer = {
      ...activated,
      active: { ...ref(candidate), activatedBy: viewer.email, activatedAt: activated.version.activatedAt ?? isoNow(deps) },
    };
    return { status: 200, body };
  });
  return answer.body;
}

export async function dropCandidate(deps: ServiceDeps, viewer: Viewer) {
  const portal = await loadAdminPortal(deps, viewer);
  return deps.db.transaction(async (trx) => {
    await lockPortal(trx, portal.id);
    const { candidate } = await rolloutState(trx, portal.id);
    if (!candidate) throw new AppError('not_found', 'no candidate is staged in this portal');
    const at = isoNow(deps);
    await clearCandidate(trx, portal.id);
    await recordShadowEnded(trx, portal.id, candidate.id, at);
    await appendTrace(trx, {
      portalId: portal.id, kind: 'rollout', input: { command: 'drop', by: viewer.email, version: candidate.version },
      output: { candidate: null }, policyHash: candidate.hash, engineVersion: ENGINE_VERSION, occurredAt: at,
    });
    return { dropped: ref(candidate) };
  });
}

export async function getPosture(deps: ServiceDeps, viewer: Viewer, thresholds: PostureThresholds = DEFAULT_POSTURE_THRESHOLDS) {
  const portal = await loadAdminPortal(deps, viewer);
  return assessPosture(deps.db, portal.id, deps.now(), thresholds);
}

function candidateView(candidate: RolloutVersion) {
  return { ...ref(candidate), stagedBy: candidate.stagedBy, stagedAt: candidate.stagedAt };
}
