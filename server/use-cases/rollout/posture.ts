// Posture per portal: healthy, degraded or critical, from evaluation errors, unroutable deals and sync failures of
// the active version over a window. `applyPosture` acts on it: it records a change of posture with its reasons (the
// portal's posture history), marks a version healthy past its probation stable, and rolls a critical version still
// in probation back to the last stable one, with an incident and a trace.
import type { Db, DbTransaction } from '../../db/database.js';
import type { Logger } from 'pino';
import { ENGINE_VERSION } from '../../../src/hash.js';
import { insertIncident, postureIncidentFor } from '../../store/incidents.js';
import { activatePolicyVersion } from '../../store/policies.js';
import { lockAdminVersions } from '../../store/portals.js';
import { recordPosture } from '../../store/rollout-posture.js';
import { lastStableVersion, markRolledBack, markStable, POSTURE_ROLLBACK, rolloutVersion, type RolloutVersion } from '../../store/rollout-versions.js';
import { portalsToAssess, readPostureSignals, type PostureSignals } from '../../store/rollout-signals.js';
import { appendTrace } from '../../store/traces.js';
import { missedTargets } from '../admin/scorecard-targets.js';

export type Posture = 'healthy' | 'degraded' | 'critical';

export interface PostureThresholds {
  /** How far back signals count (never before the active version was activated). */
  windowMinutes: number;
  /** A version active this long and healthy is marked stable; a stable version is never rolled back automatically. */
  probationMinutes: number;
  degraded: { evaluationErrors: number; unroutableDeals: number; unroutableShare: number; syncFailures: number; otherIncidents: number };
  critical: { evaluationErrors: number; unroutableDeals: number; unroutableShare: number; syncFailures: number };
}

export const DEFAULT_POSTURE_THRESHOLDS: PostureThresholds = {
  windowMinutes: 60,
  probationMinutes: 24 * 60,
  degraded: { evaluationErrors: 1, unroutableDeals: 2, unroutableShare: 0.1, syncFailures: 1, otherIncidents: 3 },
  critical: { evaluationErrors: 5, unroutableDeals: 5, unroutableShare: 0.25, syncFailures: 5 },
};

export interface PostureAssessment {
  portalId: string;
  at: string;
  posture: Posture;
  /** One sentence per threshold crossed; empty when healthy. */
  reasons: string[];
  /** The scorecard targets missed (also among `reasons`): they degrade posture, yet a version still proves stable. */
  targetsMissed: string[];
  window: { since: string; until: string; minutes: number };
  signals: PostureSignals | null;
  thresholds: PostureThresholds;
  active: { id: string; version: number; hash: string; activatedAt: string | null; stableAt: string | null; inProbation: boolean } | null;
  /** Where a rollback would go now: the last stable version, when the active one was never proven stable. */
  rollbackTarget: { id: string; version: number; hash: string; stableAt: string | null } | null;
}

export async function assessPosture(db: Db, portalId: string, now: Date, thresholds: PostureThresholds = DEFAULT_POSTURE_THRESHOLDS): Promise<PostureAssessment> {
  const at = now.toISOString();
  const windowStart = new Date(now.getTime() - thresholds.windowMinutes * 60_000).toISOString();
  const active = await rolloutVersion(db, portalId, { active: true });
  if (!active) {
    return { portalId, at, posture: 'healthy', reasons: [], targetsMissed: [], window: { since: windowStart, until: at, minutes: thresholds.windowMinutes }, signals: null, thresholds, active: null, rollbackTarget: null };
  }
  // A version is judged only on what happened while it was in force.
  const since = active.activatedAt !== null && active.activatedAt > windowStart ? active.activatedAt : windowStart;
  const [signals, target, missed] = await Promise.all([
    readPostureSignals(db, portalId, active, since, at),
    active.stableAt === null ? lastStableVersion(db, portalId, active.id) : Promise.resolve(null),
    missedTargets(db, portalId, now, active),
  ]);
  const judged = judge(signals, thresholds);
  // A missed scorecard target degrades posture but never makes it critical: slow approvers are no reason to roll back.
  const posture: Posture = missed.length > 0 && judged.posture === 'healthy' ? 'degraded' : judged.posture;
  const reasons = [...judged.reasons, ...missed];
  const probationEnds = active.activatedAt === null ? null : new Date(Date.parse(active.activatedAt) + thresholds.probationMinutes * 60_000).toISOString();
  return {
    portalId, at, posture, reasons, targetsMissed: missed,
    window: { since, until: at, minutes: thresholds.windowMinutes },
    signals, thresholds,
    active: {
      id: active.id, version: active.version, hash: active.hash, activatedAt: active.activatedAt, stableAt: active.stableAt,
      inProbation: probationEnds !== null && at < probationEnds,
    },
    rollbackTarget: target ? { id: target.id, version: target.version, hash: target.hash, stableAt: target.stableAt } : null,
  };
}

function judge(s: PostureSignals, t: PostureThresholds): { posture: Posture; reasons: string[] } {
  const critical: string[] = [];
  const degraded: string[] = [];
  const share = s.evaluatedDeals === 0 ? 0 : s.unroutableDeals / s.evaluatedDeals;
  const syncFailures = s.syncDead + s.syncRetrying;
  const unroutable = `${s.unroutableDeals} of ${s.evaluatedDeals} deals evaluated could not be routed`;
  const sync = `${syncFailures} deal syncs failed (${s.syncDead} dead, ${s.syncRetrying} retrying)`;
  const errors = `${s.evaluationErrors} evaluation error${s.evaluationErrors === 1 ? '' : 's'}`;

  if (s.evaluationErrors >= t.critical.evaluationErrors) critical.push(errors);
  else if (s.evaluationErrors >= t.degraded.evaluationErrors) degraded.push(errors);
  if (s.unroutableDeals >= t.critical.unroutableDeals && share >= t.critical.unroutableShare) critical.push(unroutable);
  else if (s.unroutableDeals >= t.degraded.unroutableDeals && share >= t.degraded.unroutableShare) degraded.push(unroutable);
  if (syncFailures >= t.critical.syncFailures) critical.push(sync);
  else if (syncFailures >= t.degraded.syncFailures) degraded.push(sync);
  if (s.otherIncidents >= t.degraded.otherIncidents) degraded.push(`${s.otherIncidents} other incidents`);
  // Not the policy's doing, so never critical (which would roll the version back), but not healthy either.
  if (s.syncDeferredUntil !== null) degraded.push(`HubSpot syncs are delayed until ${s.syncDeferredUntil}: the portal's daily HubSpot budget is spent`);

  if (critical.length > 0) return { posture: 'critical', reasons: [...critical, ...degraded] };
  if (degraded.length > 0) return { posture: 'degraded', reasons: degraded };
  return { posture: 'healthy', reasons: [] };
}

export type PostureAction =
  | { kind: 'none' }
  | { kind: 'marked_stable'; version: number }
  | { kind: 'rolled_back'; from: number; to: number; incidentId: string }
  | { kind: 'incident'; incidentId: string; why: string };

/**
 * Assess and act, for the worker to call periodically per portal. Safe to run from several workers at once: the
 * rollback locks the portal and only proceeds if the version it judged is still the active one.
 */
export async function applyPosture(
  db: Db, portalId: string, now: Date, options: { thresholds?: PostureThresholds; logger?: Pick<Logger, 'warn' | 'info'> } = {},
): Promise<{ assessment: PostureAssessment; action: PostureAction }> {
  const assessment = await assessPosture(db, portalId, now, options.thresholds);
  const active = assessment.active;
  const transition = await recordPosture(db, portalId, {
    to: assessment.posture, at: assessment.at, reasons: assessment.reasons, versionId: active?.id ?? null, signals: assessment.signals,
  });
  if (transition) options.logger?.info({ portalId, from: transition.from, to: assessment.posture, reasons: assessment.reasons }, 'posture changed');
  if (!active) return { assessment, action: { kind: 'none' } };

  // Missed scorecard targets say nothing about the version itself: without other reasons it is healthy enough to prove.
  if (assessment.posture !== 'critical' && assessment.reasons.length === assessment.targetsMissed.length) {
    if (active.inProbation) return { assessment, action: { kind: 'none' } };
    await markStable(db, portalId, active.id, assessment.at);
    return { assessment, action: active.stableAt === null ? { kind: 'marked_stable', version: active.version } : { kind: 'none' } };
  }
  if (assessment.posture !== 'critical') return { assessment, action: { kind: 'none' } };

  const action = await db.transaction(async (trx) => {
    // Rolling a version back is an admin write: it takes the portal's row lock every admin write takes.
    await lockAdminVersions(trx, portalId);
    const current = await rolloutVersion(trx, portalId, { active: true });
    if (current?.id !== active.id) return { kind: 'none' } as const; // someone changed the version meanwhile
    const target = assessment.rollbackTarget ? await rolloutVersion(trx, portalId, { id: assessment.rollbackTarget.id }) : null;
    if (current.stableAt === null && target) return rollBack(trx, assessment, current, target);
    return recordCritical(trx, assessment, current);
  });
  if (action.kind === 'rolled_back') options.logger?.warn({ portalId, from: action.from, to: action.to, reasons: assessment.reasons }, 'posture critical: policy rolled back');
  else if (action.kind === 'incident') options.logger?.warn({ portalId, reasons: assessment.reasons }, `posture critical: ${action.why}`);
  return { assessment, action };
}

async function rollBack(trx: DbTransaction, assessment: PostureAssessment, from: RolloutVersion, to: RolloutVersion): Promise<PostureAction> {
  const reason = `posture critical: ${assessment.reasons.join('; ')}`;
  await activatePolicyVersion(trx, assessment.portalId, to.id, 'posture:auto-rollback', assessment.at);
  await markRolledBack(trx, assessment.portalId, from.id, { at: assessment.at, reason, by: POSTURE_ROLLBACK });
  const summary = `policy version ${from.version} rolled back to version ${to.version}: ${assessment.reasons.join('; ')}`;
  const incidentId = await recordIncident(trx, assessment, 'policy_rollback', summary, { from: versionRef(from), to: versionRef(to) });
  await appendTrace(trx, {
    portalId: assessment.portalId, kind: 'rollout',
    input: { command: 'rollback', by: 'posture', from: from.version, to: to.version, posture: assessment.posture, reasons: assessment.reasons, window: assessment.window, signals: assessment.signals },
    output: { active: to.version, hash: to.hash, incident: incidentId },
    policyHash: to.hash, engineVersion: ENGINE_VERSION, occurredAt: assessment.at,
  });
  return { kind: 'rolled_back', from: from.version, to: to.version, incidentId };
}

/** Critical with nothing to roll back to (or a proven version): one incident per version per window, for a human. */
async function recordCritical(trx: DbTransaction, assessment: PostureAssessment, active: RolloutVersion): Promise<PostureAction> {
  if (await postureIncidentFor(trx, assessment.portalId, active.id, assessment.window.since) !== null) return { kind: 'none' };
  const why = active.stableAt !== null
    ? `version ${active.version} was proven stable, so it is not rolled back automatically`
    : 'no earlier version was proven stable, so there is nothing to roll back to';
  const incidentId = await recordIncident(trx, assessment, 'posture_critical', `posture critical on policy version ${active.version}: ${assessment.reasons.join('; ')}; ${why}`, { active: versionRef(active) });
  await appendTrace(trx, {
    portalId: assessment.portalId, kind: 'rollout',
    input: { command: 'critical', by: 'posture', version: active.version, reasons: assessment.reasons, window: assessment.window, signals: assessment.signals },
    output: { rolledBack: false, why, incident: incidentId }, policyHash: active.hash, engineVersion: ENGINE_VERSION, occurredAt: assessment.at,
  });
  return { kind: 'incident', incidentId, why };
}

async function recordIncident(trx: DbTransaction, assessment: PostureAssessment, kind: string, summary: string, extra: Record<string, unknown>): Promise<string> {
  return insertIncident(trx, {
    portalId: assessment.portalId, kind, summary, at: assessment.at,
    packet: { ...extra, posture: assessment.posture, reasons: assessment.reasons, window: assessment.window, signals: assessment.signals, thresholds: assessment.thresholds },
  });
}

const versionRef = (v: RolloutVersion) => ({ id: v.id, version: v.version, hash: v.hash, activatedAt: v.activatedAt, stableAt: v.stableAt });

/** Every installed portal with an active policy, one after another; a failing portal is logged and skipped. */
export async function applyPostureToAllPortals(
  db: Db, now: Date, options: { thresholds?: PostureThresholds; logger?: Pick<Logger, 'warn' | 'info'> } = {},
): Promise<void> {
  for (const portalId of await portalsToAssess(db)) {
    try {
      await applyPosture(db, portalId, now, options);
    } catch (error) {
      options.logger?.warn({ err: error, portalId }, 'posture check failed for a portal');
    }
  }
}
