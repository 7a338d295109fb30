// An admin's rollback: back to the last version proven stable (on a fresh install, the default policy the app was
// installed with), recording who and why on the version rolled back, with a `policy_rollback` incident and a trace.
// A version an admin rolled back can be activated again through the gate without a reason; only posture's
// rollbacks (critical posture) ask for one.
import type { RollbackAnswer } from '../../../src/contract/settings-api.js';
import { ENGINE_VERSION } from '../../../src/hash.js';
import { AppError } from '../../errors.js';
import { insertIncident } from '../../store/incidents.js';
import { activatePolicyVersion } from '../../store/policies.js';
import { clearCandidate, lastStableVersion, markRolledBack, rolloutVersion, type RolloutVersion } from '../../store/rollout-versions.js';
import { recordShadowEnded } from '../../store/rollout-gate.js';
import { appendTrace } from '../../store/traces.js';
import { isoNow, type ServiceDeps } from '../deps.js';
import type { Viewer } from '../load-facts.js';
import { loadAdminPortal } from './admin-portal.js';
import { runAdminWrite, staleVersion } from './admin-write.js';
import { presentVersion } from './present-version.js';

const ref = (version: RolloutVersion) => ({ id: version.id, version: version.version, name: version.name, hash: version.hash });

export async function rollBackPolicy(
  deps: ServiceDeps, viewer: Viewer, input: { reason: string; idempotencyKey: string; expectedActiveVersion: number | null },
): Promise<RollbackAnswer> {
  const portal = await loadAdminPortal(deps, viewer, 'roll the policy back');
  const request = { expectedActiveVersion: input.expectedActiveVersion, reason: input.reason };
  const answer = await runAdminWrite(deps, portal, viewer, { idempotencyKey: input.idempotencyKey, operation: 'admin.rollback_policy', request }, async (trx) => {
    const current = await rolloutVersion(trx, portal.id, { active: true });
    if ((current?.version ?? null) !== input.expectedActiveVersion) throw staleVersion('the active policy', current?.version ?? null, input.expectedActiveVersion);
    if (!current) throw new AppError('conflict', 'no policy version is active in this portal: there is nothing to roll back');
    const target = await lastStableVersion(trx, portal.id, current.id);
    if (!target) throw new AppError('conflict', `no version other than ${current.version} was ever proven stable: there is nothing to roll back to`);
    const at = isoNow(deps);
    const reason = `rolled back by ${viewer.email}: ${input.reason}`;
    await activatePolicyVersion(trx, portal.id, target.id, viewer.email, at);
    await markRolledBack(trx, portal.id, current.id, { at, reason, by: viewer.email });
    if (target.isCandidate) {
      await clearCandidate(trx, portal.id);
      await recordShadowEnded(trx, portal.id, target.id, at);
    }
    const incidentId = await insertIncident(trx, {
      portalId: portal.id, kind: 'policy_rollback', at,
      summary: `${viewer.email} rolled policy version ${current.version} back to version ${target.version}: ${input.reason}`,
      packet: { by: viewer.email, reason: input.reason, from: ref(current), to: { ...ref(target), stableAt: target.stableAt } },
    });
    await appendTrace(trx, {
      portalId: portal.id, kind: 'rollout',
      input: { command: 'rollback', by: viewer.email, reason: input.reason, from: current.version, to: target.version },
      output: { active: target.version, hash: target.hash, incident: incidentId },
      policyHash: target.hash, engineVersion: ENGINE_VERSION, occurredAt: at,
    });
    // One statement at a time: a transaction is one connection, which runs one query at a time.
    const active = await rolloutVersion(trx, portal.id, { id: target.id });
    const previous = await rolloutVersion(trx, portal.id, { id: current.id });
    const body: RollbackAnswer = {
      active: await presentVersion(trx, portal.id, active ?? target),
      previous: await presentVersion(trx, portal.id, previous ?? current),
      incidentId,
    };
    return { status: 200, body };
  });
  return answer.body;
}
