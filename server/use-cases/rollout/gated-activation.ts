// Activating a version through the promotion gate, inside an admin write (the portal's row locked): judge the gate,
// refuse with 409 and the missing steps, or activate and record what the version passed. An override with a reason
// activates anyway and is traced and recorded as a `gate_override` incident, so it shows among the incidents.
import type { ActivateAnswer, GateStatus } from '../../../src/contract/settings-api.js';
import { ENGINE_VERSION } from '../../../src/hash.js';
import type { DbTransaction } from '../../db/database.js';
import { AppError } from '../../errors.js';
import { insertIncident } from '../../store/incidents.js';
import { activatePolicyVersion } from '../../store/policies.js';
import type { Portal } from '../../store/portals.js';
import { recordGatePass, recordShadowEnded, recordValidated, versionChecks } from '../../store/rollout-gate.js';
import { clearCandidate, rolloutVersion, type RolloutVersion } from '../../store/rollout-versions.js';
import { appendTrace } from '../../store/traces.js';
import type { AdminSettings } from '../admin/admin-settings.js';
import { presentVersion } from '../admin/present-version.js';
import type { ServiceDeps } from '../deps.js';
import { assessGate } from './promotion-gate.js';

export interface GateRequest {
  override?: boolean | undefined;
  reason?: string | undefined;
}

/** The 409 for a refused activation: one detail per missing step, `gate.<step>`, as the contract says. */
export function gateRefused(gate: GateStatus): AppError {
  const missing = gate.steps.filter((step) => step.status === 'missing');
  return new AppError('conflict', `version ${gate.version} has not passed the promotion gate: ${missing.map((step) => step.id).join(', ')} missing (an admin may override with a reason)`, {
    details: missing.map((step) => ({ path: `gate.${step.id}`, message: step.message })),
  });
}

/**
 * Activates `target` in place of `current` if the gate lets it (or the admin overrides), in the caller's transaction;
 * `how` names the command in the trace (activate or promote).
 */
export async function activateThroughGate(
  trx: DbTransaction, deps: ServiceDeps, portal: Portal, by: string,
  versions: { target: RolloutVersion; current: RolloutVersion | null }, request: GateRequest, settings: AdminSettings, how: 'activate' | 'promote',
): Promise<ActivateAnswer> {
  const { target, current } = versions;
  const now = deps.now();
  const at = now.toISOString();
  const gate = await assessGate(trx, portal.id, target, { settings, now, reason: request.reason });
  const overridden = !gate.passed && request.override === true;
  if (!gate.passed && !overridden && settings.enforceGate) throw gateRefused(gate);

  let incidentId: string | null = null;
  if (overridden) {
    incidentId = await insertIncident(trx, {
      portalId: portal.id, kind: 'gate_override', at,
      summary: `${by} activated policy version ${target.version} without ${gate.missing.join(', ')}: ${request.reason ?? ''}`,
      packet: { by, reason: request.reason, version: { id: target.id, version: target.version, hash: target.hash }, previous: current ? { version: current.version, hash: current.hash } : null, gate },
    });
  }
  await activatePolicyVersion(trx, portal.id, target.id, by, at);
  if (target.isCandidate) {
    await clearCandidate(trx, portal.id);
    await recordShadowEnded(trx, portal.id, target.id, at);
  }
  if ((await versionChecks(trx, portal.id, target.id)).validatedAt === null && gate.steps[0]?.status === 'passed') {
    await recordValidated(trx, portal.id, target.id, at, ENGINE_VERSION);
  }
  await recordGatePass(trx, { portalId: portal.id, versionId: target.id, at, by, overridden, reason: request.reason ?? null, gate, incidentId });
  const simulation = gate.steps.find((step) => step.id === 'simulated')?.evidence;
  await appendTrace(trx, {
    portalId: portal.id, kind: how === 'promote' ? 'rollout' : 'policy',
    input: {
      command: how, by, version: target.version, previous: current?.version ?? null,
      ...(request.reason ? { reason: request.reason } : {}), ...(overridden ? { override: true } : {}),
    },
    output: {
      active: target.version, hash: target.hash,
      gate: { passed: gate.passed, missing: gate.missing, overridden, simulation: simulation?.summaryHash ?? null, incident: incidentId },
    },
    policyHash: target.hash, engineVersion: ENGINE_VERSION, occurredAt: at,
  });
  const activated = await rolloutVersion(trx, portal.id, { id: target.id });
  return {
    version: await presentVersion(trx, portal.id, activated ?? target),
    changed: true,
    gate,
    overridden,
    incidentId,
    warnings: gate.warnings,
    previous: current ? { version: current.version, name: current.name, hash: current.hash } : null,
  };
}
