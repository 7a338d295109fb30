// Admin acts on a portal's policy and flag: read versions, validate a candidate, save it as a version (recording that
// it validated), activate a version through the promotion gate (recording who, when and what it passed), and turn
// the app off, to shadow, or on. All traced.
import type { ActivateAnswer, AdminsAnswer, GateStatus, PolicyOverview, PostureHistoryAnswer } from '../../../src/contract/settings-api.js';
import { ENGINE_VERSION } from '../../../src/hash.js';
import { parsePolicy } from '../../../src/policy/parse-policy.js';
import { AppError } from '../../errors.js';
import { activePolicy, savePolicyVersion } from '../../store/policies.js';
import { adminVersions, setFeatureFlag, type FeatureFlag } from '../../store/portals.js';
import { recordValidated } from '../../store/rollout-gate.js';
import { listPostureTransitions } from '../../store/rollout-posture.js';
import { lastStableVersion, listRolloutVersions, rolloutVersion } from '../../store/rollout-versions.js';
import { appendTrace } from '../../store/traces.js';
import { activateThroughGate, type GateRequest } from '../rollout/gated-activation.js';
import { assessGate } from '../rollout/promotion-gate.js';
import { runAdminWrite, staleVersion, type AdminWriteGuard } from './admin-write.js';
import type { AdminSettings } from './admin-settings.js';
import { isoNow, type ServiceDeps } from '../deps.js';
import type { Viewer } from '../load-facts.js';
import { loadAdminPortal } from './admin-portal.js';
import { listPortalAdmins } from './portal-admins.js';
import { presentVersion, presentVersions } from './present-version.js';

export async function getPolicyOverview(deps: ServiceDeps, viewer: Viewer): Promise<PolicyOverview> {
  const portal = await loadAdminPortal(deps, viewer);
  const [versions, admin] = await Promise.all([listRolloutVersions(deps.db, portal.id), adminVersions(deps.db, portal.id)]);
  const active = versions.find((version) => version.isActive) ?? null;
  const target = active ? await lastStableVersion(deps.db, portal.id, active.id) : null;
  const summaries = await presentVersions(deps.db, portal.id, versions);
  const activeSummary = summaries.find((version) => version.isActive);
  return {
    featureFlag: admin?.featureFlag ?? portal.featureFlag,
    /** What PUT /admin/flag names as `expectedVersion`. */
    flagVersion: admin?.flagVersion ?? 1,
    active: active && activeSummary ? { ...activeSummary, source: active.source, document: active.document } : null,
    versions: summaries,
    rollbackTarget: target?.stableAt ? { version: target.version, name: target.name, hash: target.hash, stableAt: target.stableAt } : null,
  };
}

export async function validateCandidate(deps: ServiceDeps, viewer: Viewer, source: string) {
  await loadAdminPortal(deps, viewer);
  const parsed = parsePolicy(source);
  return parsed.ok ? { valid: true, hash: parsed.hash, name: parsed.policy.name, problems: [] } : { valid: false, hash: null, name: null, problems: parsed.problems };
}

/** Saves the source as a new version, refused (409) when the active version is no longer the one it was edited against. */
export async function savePolicy(deps: ServiceDeps, viewer: Viewer, source: string, guard: AdminWriteGuard<number | null>) {
  const portal = await loadAdminPortal(deps, viewer);
  const parsed = parsePolicy(source);
  if (!parsed.ok) {
    throw new AppError('bad_request', 'the policy has problems', { details: parsed.problems.map((p) => ({ path: `body.source: ${p.path}`, message: p.message })) });
  }
  const request = { source, expectedActiveVersion: guard.expectedVersion };
  return runAdminWrite(deps, portal, viewer, { idempotencyKey: guard.idempotencyKey, operation: 'admin.save_policy', request }, async (trx) => {
    const current = (await activePolicy(trx, portal.id))?.version ?? null;
    if (current !== guard.expectedVersion) throw staleVersion('the active policy', current, guard.expectedVersion);
    const at = isoNow(deps);
    const { version, created } = await savePolicyVersion(trx, { portalId: portal.id, source, document: parsed.policy, hash: parsed.hash, createdBy: viewer.email, at });
    // Saving validated it: the gate's first step, recorded with the version.
    await recordValidated(trx, portal.id, version.id, at, ENGINE_VERSION);
    if (created) {
      await appendTrace(trx, {
        portalId: portal.id, kind: 'policy', input: { command: 'save', by: viewer.email, source },
        output: { version: version.version, hash: version.hash }, policyHash: version.hash, engineVersion: ENGINE_VERSION, occurredAt: at,
      });
    }
    const saved = await rolloutVersion(trx, portal.id, { id: version.id });
    if (!saved) throw new Error('the saved version vanished inside its own transaction');
    return { status: created ? 201 : 200, body: { version: await presentVersion(trx, portal.id, saved), created } };
  });
}

/** Activates a saved version, through the promotion gate unless an admin overrides it with a reason. */
export async function activatePolicy(
  deps: ServiceDeps, viewer: Viewer, versionNumber: number, guard: AdminWriteGuard<number | null>, gate: GateRequest, settings: AdminSettings,
): Promise<ActivateAnswer> {
  const portal = await loadAdminPortal(deps, viewer);
  const request = { version: versionNumber, expectedActiveVersion: guard.expectedVersion, override: gate.override ?? false, reason: gate.reason ?? null };
  const answer = await runAdminWrite(deps, portal, viewer, { idempotencyKey: guard.idempotencyKey, operation: 'admin.activate_policy', request }, async (trx) => {
    const target = await rolloutVersion(trx, portal.id, { version: versionNumber });
    if (!target) throw new AppError('not_found', `policy version ${versionNumber} does not exist in this portal`);
    const current = await rolloutVersion(trx, portal.id, { active: true });
    if ((current?.version ?? null) !== guard.expectedVersion) throw staleVersion('the active policy', current?.version ?? null, guard.expectedVersion);
    if (current?.id === target.id) {
      const body: ActivateAnswer = { version: await presentVersion(trx, portal.id, target), changed: false, overridden: false, incidentId: null, warnings: [], previous: null };
      return { status: 200, body };
    }
    return { status: 200, body: await activateThroughGate(trx, deps, portal, viewer.email, { target, current }, gate, settings, 'activate') };
  });
  return answer.body;
}

export async function setFlag(deps: ServiceDeps, viewer: Viewer, flag: FeatureFlag, guard: AdminWriteGuard<number>) {
  const portal = await loadAdminPortal(deps, viewer);
  const request = { flag, expectedVersion: guard.expectedVersion };
  const answer = await runAdminWrite(deps, portal, viewer, { idempotencyKey: guard.idempotencyKey, operation: 'admin.set_flag', request }, async (trx, versions) => {
    if (versions.flagVersion !== guard.expectedVersion) throw staleVersion('the feature flag', versions.flagVersion, guard.expectedVersion);
    const previous = versions.featureFlag;
    if (previous === flag) return { status: 200, body: { flag, previous, version: versions.flagVersion } };
    const at = isoNow(deps);
    const version = await setFeatureFlag(trx, portal.id, flag, at);
    await appendTrace(trx, {
      portalId: portal.id, kind: 'flag', input: { command: 'set_flag', by: viewer.email, flag },
      output: { previous, flag }, engineVersion: ENGINE_VERSION, occurredAt: at,
    });
    return { status: 200, body: { flag, previous, version } };
  });
  return answer.body;
}

/** Where a saved version stands with the promotion gate now (GET …/gate): every step, what is missing. */
export async function getGateStatus(deps: ServiceDeps, viewer: Viewer, versionNumber: number, settings: AdminSettings): Promise<GateStatus> {
  const portal = await loadAdminPortal(deps, viewer);
  const version = await rolloutVersion(deps.db, portal.id, { version: versionNumber });
  if (!version) throw new AppError('not_found', `policy version ${versionNumber} does not exist in this portal`);
  return assessGate(deps.db, portal.id, version, { settings, now: deps.now() });
}

/** Posture's transitions in the portal, newest first, each with its reasons. */
export async function getPostureHistory(deps: ServiceDeps, viewer: Viewer, limit: number): Promise<PostureHistoryAnswer> {
  const portal = await loadAdminPortal(deps, viewer);
  const rows = await listPostureTransitions(deps.db, portal.id, limit);
  return { transitions: rows.map((row) => ({ id: row.id, at: row.at, from: row.from, to: row.to, reasons: row.reasons, version: row.version })) };
}

/** Who administers the app in the viewer's portal, and where each comes from; admins only. */
export async function getPortalAdmins(deps: ServiceDeps, viewer: Viewer): Promise<AdminsAnswer> {
  const portal = await loadAdminPortal(deps, viewer);
  return listPortalAdmins(deps, portal);
}
