// The scorecard: how the routing worked in a portal over a period. Load the requests that were alive in the period,
// compute the figures (server/report), add the rollbacks and the trace rows the items point at, and measure the
// outcomes against the portal's baseline and targets. Admins only over HTTP.
import type { Period, Scorecard, TraceRef } from '../../../src/contract/scorecard.js';
import { compareText } from '../../../src/simulate/percentile.js';
import type { Db } from '../../db/database.js';
import { computeScorecard, periodAsOf } from '../../report/scorecard-figures.js';
import { measureOutcomes } from '../../report/scorecard-outcomes.js';
import { listPeriodRequests } from '../../store/period-requests.js';
import { activePolicy } from '../../store/policies.js';
import { latestRequestTraces, rollbacksBetween, rollbackTraces } from '../../store/scorecard.js';
import type { ServiceDeps } from '../deps.js';
import type { Viewer } from '../load-facts.js';
import { loadAdminPortal } from './admin-portal.js';
import { resolveBaseline } from './scorecard-baseline.js';
import { loadTargets, policyRoutes } from './scorecard-targets.js';

/** For the CLI, which has no signed viewer: the operator running it holds the database. */
export async function buildScorecard(db: Db, portalId: string, period: Period, now: Date): Promise<Scorecard> {
  const asOf = periodAsOf(period, now);
  const [requests, targets, baseline, policy, rolledBack, rollbackRows] = await Promise.all([
    listPeriodRequests(db, portalId, period),
    loadTargets(db, portalId),
    resolveBaseline(db, portalId, now),
    activePolicy(db, portalId),
    rollbacksBetween(db, portalId, period.from, period.to),
    rollbackTraces(db, portalId, period.from, period.to),
  ]);
  const figures = computeScorecard(portalId, period, requests, asOf);

  const requestIds = [...figures.sla.items.map((b) => b.requestId), ...figures.reapprovals.items.map((r) => r.invalidatedRequestId)];
  const traces = await latestRequestTraces(db, portalId, requestIds, period.to);
  const hashOf = (requestId: string) => traces.get(requestId)?.hash ?? null;
  // Every rollback the trace holds (a version rolled back twice appears twice), with the version row's reason when it
  // is that rollback; then any a version row records without a trace.
  const traced = rollbackRows.flatMap((t) => {
    if (t.fromVersion === null) return [];
    const row = rolledBack.find((r) => r.version === t.fromVersion && r.at === t.occurredAt);
    return [{ fromVersion: t.fromVersion, toVersion: t.toVersion, at: t.occurredAt, reason: row?.reason ?? t.reason, traceHash: t.hash }];
  });
  const untraced = rolledBack.filter((r) => !traced.some((t) => t.fromVersion === r.version && t.at === r.at))
    .map((r) => ({ fromVersion: r.version, toVersion: null, at: r.at, reason: r.reason, traceHash: null }));
  const rollbacks = [...traced, ...untraced].sort((a, b) => compareText(a.at, b.at) || a.fromVersion - b.fromVersion);
  const referenced = new Map<string, TraceRef>();
  for (const trace of traces.values()) referenced.set(trace.hash, trace);
  for (const { fromVersion: _from, toVersion: _to, reason: _reason, ...trace } of rollbackRows) if (rollbacks.some((r) => r.traceHash === trace.hash)) referenced.set(trace.hash, trace);

  return {
    ...figures,
    sla: { ...figures.sla, items: figures.sla.items.map((b) => ({ ...b, traceHash: hashOf(b.requestId) })) },
    reapprovals: { ...figures.reapprovals, items: figures.reapprovals.items.map((r) => ({ ...r, traceHash: hashOf(r.invalidatedRequestId) })) },
    rollbacks,
    traces: [...referenced.values()].sort((a, b) => a.seq - b.seq || compareText(a.hash, b.hash)),
    outcomes: measureOutcomes({
      period, asOf, figures, requests, targets, baseline: baseline.baseline, routes: policyRoutes(policy?.document ?? null), span: 'in the period',
    }),
  };
}

export async function getScorecard(deps: ServiceDeps, viewer: Viewer, period: Period): Promise<Scorecard> {
  const portal = await loadAdminPortal(deps, viewer, 'read the scorecard');
  return buildScorecard(deps.db, portal.id, period, deps.now());
}
