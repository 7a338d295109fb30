// Admin acts on a portal's policy and flag: read versions, validate a candidate, save it as a version,
// activate a version (recording who and when), and turn the app off, to shadow, or on. All traced.
import { ENGINE_VERSION } from '../../../src/hash.js';
import { parsePolicy } from '../../../src/policy/parse-policy.js';
import { AppError } from '../../errors.js';
import { activatePolicyVersion, activePolicy, listPolicyVersions, policyByVersion, savePolicyVersion, type PolicyVersion } from '../../store/policies.js';
import { adminVersions, setFeatureFlag, type FeatureFlag } from '../../store/portals.js';
import { appendTrace } from '../../store/traces.js';
import { runAdminWrite, staleVersion, type AdminWriteGuard } from './admin-write.js';
import { isoNow, type ServiceDeps } from '../deps.js';
import type { Viewer } from '../load-facts.js';
import { loadAdminPortal } from './admin-portal.js';

const summary = (version: PolicyVersion) => ({
  version: version.version, name: version.name, hash: version.hash, isActive: version.isActive,
  createdBy: version.createdBy, createdAt: version.createdAt, activatedBy: version.activatedBy, activatedAt: version.activatedAt,
});

export async function getPolicyOverview(deps: ServiceDeps, viewer: Viewer) {
  const portal = await loadAdminPortal(deps, viewer);
  const [active, versions, admin] = await Promise.all([activePolicy(deps.db, portal.id), listPolicyVersions(deps.db, portal.id), adminVersions(deps.db, portal.id)]);
  return {
    featureFlag: admin?.featureFlag ?? portal.featureFlag,
    /** What PUT /admin/flag names as `expectedVersion`. */
    flagVersion: admin?.flagVersion ?? 1,
    active: active ? { ...summary(active), source: active.source, document: active.document } : null,
    versions: versions.map(summary),
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
    const { version, created } = await savePolicyVersion(trx, { portalId: portal.id, source, document: parsed.policy, hash: parsed.hash, createdBy: viewer.email });
    if (created) {
      await appendTrace(trx, {
        portalId: portal.id, kind: 'policy', input: { command: 'save', by: viewer.email, source },
        output: { version: version.version, hash: version.hash }, policyHash: version.hash, engineVersion: ENGINE_VERSION, occurredAt: isoNow(deps),
      });
    }
    return { status: created ? 201 : 200, body: { version: summary(version), created } };
  });
}

export async function activatePolicy(deps: ServiceDeps, viewer: Viewer, versionNumber: number, guard: AdminWriteGuard<number | null>) {
  const portal = await loadAdminPortal(deps, viewer);
  const request = { version: versionNumber, expectedActiveVersion: guard.expectedVersion };
  const answer = await runAdminWrite(deps, portal, viewer, { idempotencyKey: guard.idempotencyKey, operation: 'admin.activate_policy', request }, async (trx) => {
    const target = await policyByVersion(trx, portal.id, versionNumber);
    if (!target) throw new AppError('not_found', `policy version ${versionNumber} does not exist in this portal`);
    const current = await activePolicy(trx, portal.id);
    if ((current?.version ?? null) !== guard.expectedVersion) throw staleVersion('the active policy', current?.version ?? null, guard.expectedVersion);
    if (current?.id === target.id) return { status: 200, body: { version: summary(target), changed: false } };
    const at = isoNow(deps);
    await activatePolicyVersion(trx, portal.id, target.id, viewer.email, at);
    await appendTrace(trx, {
      portalId: portal.id, kind: 'policy', input: { command: 'activate', by: viewer.email, version: versionNumber, previous: current?.version ?? null },
      output: { active: versionNumber, hash: target.hash }, policyHash: target.hash, engineVersion: ENGINE_VERSION, occurredAt: at,
    });
    const activated = await policyByVersion(trx, portal.id, versionNumber);
    return { status: 200, body: { version: summary(activated ?? target), changed: true } };
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
