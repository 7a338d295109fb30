// The promotion gate ("require validations before promoting"): what a policy version must have passed before it may
// be activated. It validates as it is now; a simulation of it ran to the end on the portal's recent deals and left
// none unroutable, or each was accepted with a reason; when the portal has the traffic, it ran in shadow for the
// configured period without critical posture; and re-activating a version posture rolled back needs a reason.
// Read-only: the activation records what it passed (gated-activation.ts).
import type { GateStatus, GateStep } from '../../../src/contract/settings-api.js';
import { parsePolicy } from '../../../src/policy/parse-policy.js';
import type { Db } from '../../db/database.js';
import { criticalPostureBetween } from '../../store/rollout-posture.js';
import {
  countDealsEvaluatedBetween, latestSimulation, shadowSignals, versionChecks, type StoredSimulation,
} from '../../store/rollout-gate.js';
import { POSTURE_ROLLBACK, type RolloutVersion } from '../../store/rollout-versions.js';
import type { AdminSettings } from '../admin/admin-settings.js';
import { DEFAULT_POSTURE_THRESHOLDS, type PostureThresholds } from './posture.js';

const HOUR = 3_600_000;
const hours = (ms: number) => Math.round((ms / HOUR) * 10) / 10;

export interface GateOptions {
  settings: AdminSettings;
  now: Date;
  /** The admin's reason, which re-activating a version posture rolled back needs. */
  reason?: string | undefined;
  thresholds?: PostureThresholds;
}

export async function assessGate(db: Db, portalId: string, version: RolloutVersion, options: GateOptions): Promise<GateStatus> {
  const { settings, now } = options;
  // Reads one at a time: an activation assesses the gate inside its transaction, which is one connection.
  const checks = await versionChecks(db, portalId, version.id);
  const simulation = await latestSimulation<{ deals: number; unroutable: number; accepted: number }, unknown>(db, portalId, version.hash);
  const validated = validatedStep(version, checks.validatedAt);
  const simulated = simulatedStep(simulation, settings, now);
  const routable = routableStep(simulated.status === 'passed' ? simulation : null);
  const shadow = await shadowStep(db, portalId, version, checks, options);
  const reactivation = reactivationStep(version, options.reason);
  const steps = [validated, simulated, routable, shadow, reactivation];
  const missing = steps.filter((step) => step.status === 'missing').map((step) => step.id);
  return {
    version: version.version,
    hash: version.hash,
    passed: missing.length === 0,
    steps,
    missing,
    warnings: reactivation.status === 'passed' ? [reactivation.message] : [],
    settings: {
      shadowHours: settings.shadowHours, shadowMinDeals: settings.shadowMinDeals, trafficWindowDays: settings.trafficWindowDays,
      simulationMaxAgeHours: settings.simulationMaxAgeHours,
    },
  };
}

function validatedStep(version: RolloutVersion, validatedAt: string | null): GateStep {
  // The validator of this engine has the last word: a version saved under an older one must still pass it.
  const parsed = parsePolicy(version.source);
  if (!parsed.ok) {
    const first = parsed.problems[0];
    return {
      id: 'validated', status: 'missing',
      message: `version ${version.version} no longer validates (${parsed.problems.length} problem${parsed.problems.length === 1 ? '' : 's'}${first ? `, first: ${first.path || '(root)'}: ${first.message}` : ''}): save a corrected version`,
      evidence: { problems: parsed.problems.slice(0, 20) },
    };
  }
  if (parsed.hash !== version.hash) {
    return { id: 'validated', status: 'missing', message: `version ${version.version} reads differently under this engine (hash ${parsed.hash.slice(0, 12)}): save it again`, evidence: { hash: parsed.hash } };
  }
  return { id: 'validated', status: 'passed', message: `version ${version.version} validates`, evidence: { validatedAt } };
}

function simulatedStep(simulation: StoredSimulation | null, settings: AdminSettings, now: Date): GateStep {
  if (!simulation) {
    return { id: 'simulated', status: 'missing', message: 'no simulation of this version: simulate its text on the portal\'s deals (POST /api/v1/admin/policy/simulate)' };
  }
  const evidence = { ranAt: simulation.ranAt, ranBy: simulation.ranBy, deals: simulation.deals, truncated: simulation.truncated, summaryHash: simulation.summaryHash, summary: simulation.summary };
  if (simulation.truncated === 'time_limit') {
    return { id: 'simulated', status: 'missing', message: `the last simulation stopped at its time budget after ${simulation.deals} deals: run it again`, evidence };
  }
  const age = now.getTime() - Date.parse(simulation.ranAt);
  if (age > settings.simulationMaxAgeHours * HOUR) {
    return { id: 'simulated', status: 'missing', message: `the last simulation ran at ${simulation.ranAt}, more than ${settings.simulationMaxAgeHours} h ago: run it again`, evidence };
  }
  return { id: 'simulated', status: 'passed', message: `simulated on ${simulation.deals} deal${simulation.deals === 1 ? '' : 's'} at ${simulation.ranAt}`, evidence };
}

function routableStep(simulation: StoredSimulation | null): GateStep {
  if (!simulation) return { id: 'routable', status: 'missing', message: 'needs a current simulation first' };
  const open = simulation.unroutable.filter((deal) => !simulation.accepted[deal.dealId]);
  const accepted = simulation.unroutable.length - open.length;
  if (open.length > 0) {
    return {
      id: 'routable', status: 'missing',
      message: `${open.length} deal${open.length === 1 ? '' : 's'} could not be routed in the simulation: accept each with a reason, or change the policy`,
      evidence: { unroutable: simulation.unroutable.length, accepted, open: open.slice(0, 20) },
    };
  }
  return {
    id: 'routable', status: 'passed',
    message: simulation.unroutable.length === 0 ? 'every simulated deal could be routed' : `${accepted} unroutable deal${accepted === 1 ? '' : 's'}, each accepted with a reason`,
    evidence: { unroutable: simulation.unroutable.length, accepted },
  };
}

async function shadowStep(
  db: Db, portalId: string, version: RolloutVersion, checks: { shadowStartedAt: string | null; shadowEndedAt: string | null }, options: GateOptions,
): Promise<GateStep> {
  const { settings, now } = options;
  const until = now.toISOString();
  const trafficSince = new Date(now.getTime() - settings.trafficWindowDays * 24 * HOUR).toISOString();
  const traffic = await countDealsEvaluatedBetween(db, portalId, trafficSince, until);
  const trafficText = `${traffic} deal${traffic === 1 ? '' : 's'} evaluated over the last ${settings.trafficWindowDays} days`;
  if (traffic < settings.shadowMinDeals || settings.shadowHours === 0) {
    return { id: 'shadow', status: 'not_required', message: `${trafficText}, under the ${settings.shadowMinDeals} that call for a shadow run`, evidence: { traffic } };
  }
  const started = checks.shadowStartedAt;
  if (!started) {
    return { id: 'shadow', status: 'missing', message: `${trafficText}: stage it as the candidate and let it run in shadow for ${settings.shadowHours} h`, evidence: { traffic } };
  }
  const ended = checks.shadowEndedAt ?? until;
  const ran = Date.parse(ended) - Date.parse(started);
  const evidence: Record<string, unknown> = { traffic, startedAt: started, endedAt: checks.shadowEndedAt, hours: hours(ran) };
  if (ran < settings.shadowHours * HOUR) {
    return { id: 'shadow', status: 'missing', message: `in shadow for ${hours(ran)} h of the ${settings.shadowHours} h required (staged at ${started})`, evidence };
  }
  const critical = await criticalPostureBetween(db, portalId, started, ended);
  if (critical.length > 0) {
    const first = critical[0]!;
    return { id: 'shadow', status: 'missing', message: `posture was critical during the shadow run (at ${first.at}: ${first.reasons.join('; ') || 'no reason recorded'}): stage it again`, evidence: { ...evidence, critical: critical.slice(0, 5) } };
  }
  // The candidate's own failures in shadow, judged by posture's critical thresholds over the whole run.
  const t = (options.thresholds ?? DEFAULT_POSTURE_THRESHOLDS).critical;
  const signals = await shadowSignals(db, portalId, version.id, started, ended);
  const evaluated = await countDealsEvaluatedBetween(db, portalId, started, ended);
  const share = evaluated === 0 ? 0 : signals.unroutableDeals / evaluated;
  const failures: string[] = [];
  if (signals.errorDeals >= t.evaluationErrors) failures.push(`its evaluation failed on ${signals.errorDeals} deals`);
  if (signals.unroutableDeals >= t.unroutableDeals && share >= t.unroutableShare) failures.push(`it could not route ${signals.unroutableDeals} of ${evaluated} deals`);
  if (failures.length > 0) {
    return { id: 'shadow', status: 'missing', message: `in shadow ${failures.join(' and ')} (critical): change the policy`, evidence: { ...evidence, signals, evaluated } };
  }
  return { id: 'shadow', status: 'passed', message: `ran in shadow for ${hours(ran)} h without critical posture`, evidence: { ...evidence, signals, evaluated } };
}

function reactivationStep(version: RolloutVersion, reason: string | undefined): GateStep {
  if (version.rolledBackBy !== POSTURE_ROLLBACK || version.rolledBackAt === null) {
    return { id: 'reactivation', status: 'not_required', message: 'never rolled back for critical posture' };
  }
  const what = `version ${version.version} was rolled back for critical posture at ${version.rolledBackAt} (${version.rolledBackReason ?? 'no reason recorded'})`;
  const evidence = { rolledBackAt: version.rolledBackAt, rolledBackReason: version.rolledBackReason };
  if (!reason) return { id: 'reactivation', status: 'missing', message: `${what}: activating it again needs a reason`, evidence };
  return { id: 'reactivation', status: 'passed', message: `${what}; activated again because: ${reason}`, evidence: { ...evidence, reason } };
}
