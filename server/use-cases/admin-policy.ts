// Admin acts on a portal's policy and flag: read versions, validate a candidate, save it as a version,
// activate a version (recording who and when), and turn the app off, to shadow, or on. All traced.
import { ENGINE_VERSION } from '../../src/hash.js';
import { parsePolicy } from '../../src/policy/parse-policy.js';
import { AppError } from '../errors.js';
import { activatePolicyVersion, activePolicy, listPolicyVersions, policyByVersion, savePolicyVersion, type PolicyVersion } from '../store/policies.js';
import { isAdmin, setFeatureFlag, type FeatureFlag, type Portal } from '../store/portals.js';
import { appendTrace } from '../store/traces.js';
import { isoNow, type ServiceDeps } from './deps.js';
import { loadPortal, type Viewer } from './load-deal-context.js';

async function loadAdminPortal(deps: ServiceDeps, viewer: Viewer): Promise<Portal> {
  const portal = await loadPortal(deps, viewer.portalId);
  if (!isAdmin(portal, viewer.email)) throw new AppError('forbidden', 'only the portal\'s approval-router admins can do this');
  return portal;
}

const summary = (version: PolicyVersion) => ({
  version: version.version, name: version.name, hash: version.hash, isActive: version.isActive,
  createdBy: version.createdBy, createdAt: version.createdAt, activatedBy: version.activatedBy, activatedAt: version.activatedAt,
});

export async function getPolicyOverview(deps: ServiceDeps, viewer: Viewer) {
  const portal = await loadAdminPortal(deps, viewer);
  const [active, versions] = await Promise.all([activePolicy(deps.db, portal.id), listPolicyVersions(deps.db, portal.id)]);
  return {
    featureFlag: portal.featureFlag,
    active: active ? { ...summary(active), source: active.source, document: active.document } : null,
    versions: versions.map(summary),
  };
}

export async function validateCandidate(deps: ServiceDeps, viewer: Viewer, source: string) {
  await loadAdminPortal(deps, viewer);
  const parsed = parsePolicy(source);
  return parsed.ok ? { valid: true, hash: parsed.hash, name: parsed.policy.name, problems: [] } : { valid: false, hash: null, name: null, problems: parsed.problems };
}

export async function savePolicy(deps: ServiceDeps, viewer: Viewer, source: string) {
  const portal = await loadAdminPortal(deps, viewer);
  const parsed = parsePolicy(source);
  if (!parsed.ok) {
    throw new AppError('bad_request', 'the policy has problems', { details: parsed.problems.map((p) => ({ path: `body.source: ${p.path}`, message: p.message })) });
  }
  return deps.db.transaction(async (trx) => {
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

export async function activatePolicy(deps: ServiceDeps, viewer: Viewer, versionNumber: number, expectedActiveVersion: number | null | undefined) {
  const portal = await loadAdminPortal(deps, viewer);
  return deps.db.transaction(async (trx) => {
    await trx.raw('SELECT 1 FROM portals WHERE id = ? FOR UPDATE', [portal.id]);
    const target = await policyByVersion(trx, portal.id, versionNumber);
    if (!target) throw new AppError('not_found', `policy version ${versionNumber} does not exist in this portal`);
    const current = await activePolicy(trx, portal.id);
    if (expectedActiveVersion !== undefined && (current?.version ?? null) !== expectedActiveVersion) {
      throw new AppError('conflict', `the active version is ${current?.version ?? 'none'}, not ${expectedActiveVersion ?? 'none'}: reload and try again`);
    }
    if (current?.id === target.id) return { version: summary(target), changed: false };
    const at = isoNow(deps);
    await activatePolicyVersion(trx, portal.id, target.id, viewer.email, at);
    await appendTrace(trx, {
      portalId: portal.id, kind: 'policy', input: { command: 'activate', by: viewer.email, version: versionNumber, previous: current?.version ?? null },
      output: { active: versionNumber, hash: target.hash }, policyHash: target.hash, engineVersion: ENGINE_VERSION, occurredAt: at,
    });
    const activated = await policyByVersion(trx, portal.id, versionNumber);
    return { version: summary(activated ?? target), changed: true };
  });
}

export async function setFlag(deps: ServiceDeps, viewer: Viewer, flag: FeatureFlag) {
  const portal = await loadAdminPortal(deps, viewer);
  return deps.db.transaction(async (trx) => {
    const at = isoNow(deps);
    const previous = await setFeatureFlag(trx, portal.id, flag, at);
    if (previous !== flag) {
      await appendTrace(trx, {
        portalId: portal.id, kind: 'flag', input: { command: 'set_flag', by: viewer.email, flag },
        output: { previous, flag }, engineVersion: ENGINE_VERSION, occurredAt: at,
      });
    }
    return { flag, previous };
  });
}
