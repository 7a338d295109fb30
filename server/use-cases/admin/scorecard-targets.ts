// A portal's scorecard targets: read (the defaults until an admin saves some), saved as an admin write, and judged
// over the last days for posture (`missedTargets`), with the same arithmetic the scorecard shows.
import { DEFAULT_SCORECARD_TARGETS, type ScorecardTargets, type TargetsAnswer } from '../../../src/contract/scorecard.js';
import type { Policy } from '../../../src/policy/schema.js';
import type { Db } from '../../db/database.js';
import { computeScorecard } from '../../report/scorecard-figures.js';
import { measureOutcomes, type PolicyRoute } from '../../report/scorecard-outcomes.js';
import { listPeriodRequests } from '../../store/period-requests.js';
import { readTargetJudgement, readTargets, saveTargetJudgement, saveTargets } from '../../store/scorecard.js';
import { isoNow, type ServiceDeps } from '../deps.js';
import type { Viewer } from '../load-facts.js';
import { loadAdminPortal } from './admin-portal.js';
import { runAdminWrite, staleVersion, type AdminWriteGuard } from './admin-write.js';

export async function loadTargets(db: Db, portalId: string): Promise<TargetsAnswer> {
  const stored = await readTargets(db, portalId);
  if (!stored) return { version: 0, isDefault: true, targets: DEFAULT_SCORECARD_TARGETS, updatedBy: null, updatedAt: null };
  return { version: stored.version, isDefault: false, targets: stored.targets, updatedBy: stored.updatedBy, updatedAt: stored.updatedAt };
}

export async function getTargets(deps: ServiceDeps, viewer: Viewer): Promise<TargetsAnswer> {
  const portal = await loadAdminPortal(deps, viewer, 'read the scorecard targets');
  return loadTargets(deps.db, portal.id);
}

export async function setTargets(deps: ServiceDeps, viewer: Viewer, targets: ScorecardTargets, guard: AdminWriteGuard<number>): Promise<TargetsAnswer> {
  const portal = await loadAdminPortal(deps, viewer, 'set the scorecard targets');
  const request = { targets, expectedVersion: guard.expectedVersion };
  const answer = await runAdminWrite(deps, portal, viewer, { idempotencyKey: guard.idempotencyKey, operation: 'admin.set_scorecard_targets', request }, async (trx) => {
    const current = await loadTargets(trx, portal.id);
    if (current.version !== guard.expectedVersion) throw staleVersion('the scorecard targets', current.version, guard.expectedVersion);
    const at = isoNow(deps);
    const version = await saveTargets(trx, portal.id, targets, viewer.email, at);
    return { status: 200, body: { version, isDefault: false, targets, updatedBy: viewer.email, updatedAt: at } satisfies TargetsAnswer };
  });
  return answer.body;
}

/** A policy's routes for the targets: each with the sum of its steps' SLAs, null for an auto-approving route. */
export function policyRoutes(policy: Policy | null): PolicyRoute[] {
  return (policy?.routes ?? []).map((route) => ({
    routeId: route.id,
    slaHours: route.steps ? Math.round(route.steps.reduce((total, step) => total + step.slaHours, 0) * 100) / 100 : null,
  }));
}

/**
 * How long posture keeps a judgement of the targets. They are figures over days, which a quarter of an hour barely
 * moves, and judging them reads the window's requests whole; a change of the targets or of the active version is
 * judged at once.
 */
const JUDGEMENT_KEPT_MS = 15 * 60_000;

/**
 * The targets the portal missed over the last `windowDays` up to `now`, one sentence each: a signal for posture,
 * which turns degraded on any. Figures from fewer than `minSamples` requests or steps are not judged. The last
 * judgement stands while it is younger than a quarter of an hour and was made for the same targets and version.
 */
export async function missedTargets(db: Db, portalId: string, now: Date, active: { id: string; document: Policy | null }): Promise<string[]> {
  const targets = await loadTargets(db, portalId);
  const last = await readTargetJudgement(db, portalId);
  const age = last ? now.getTime() - Date.parse(last.judgedAt) : Number.POSITIVE_INFINITY;
  if (last && last.policyVersionId === active.id && last.targetsVersion === targets.version && age >= 0 && age < JUDGEMENT_KEPT_MS) return last.missed;
  const missed = await judgeTargets(db, portalId, now, targets, active.document);
  await saveTargetJudgement(db, portalId, { policyVersionId: active.id, targetsVersion: targets.version, judgedAt: now.toISOString(), missed });
  return missed;
}

async function judgeTargets(db: Db, portalId: string, now: Date, targets: TargetsAnswer, policy: Policy | null): Promise<string[]> {
  const days = targets.targets.windowDays;
  const period = { from: new Date(now.getTime() - days * 86_400_000).toISOString(), to: now.toISOString() };
  const requests = await listPeriodRequests(db, portalId, period);
  const figures = computeScorecard(portalId, period, requests, period.to);
  const outcomes = measureOutcomes({
    period, asOf: period.to, figures, requests: [], targets, baseline: null, routes: policyRoutes(policy),
    span: `over the last ${days} day${days === 1 ? '' : 's'}`, trend: false,
  });
  return outcomes.missed.map((reason) => `scorecard target missed: ${reason}`);
}
