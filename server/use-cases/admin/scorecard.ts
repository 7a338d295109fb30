// The scorecard: how the routing worked in a portal over a period. Load the requests that were alive in
// the period, compute the figures (server/report/scorecard-figures.ts), answer. Admins only over HTTP.
import type { Knex } from 'knex';
import type { Period, Scorecard } from '../../../src/contract/scorecard.js';
import type { ApprovalState } from '../../../src/lifecycle/types.js';
import { AppError } from '../../errors.js';
import { computeScorecard, type ScorecardRequest } from '../../report/scorecard-figures.js';
import { isAdmin } from '../../store/portals.js';
import type { ServiceDeps } from '../deps.js';
import { loadPortal, type Viewer } from '../load-facts.js';

/** Requests opened before the period ends and not closed before it starts: every one that can count. */
export async function loadPeriodRequests(db: Knex, portalId: string, period: Period): Promise<ScorecardRequest[]> {
  const rows = await db('approval_requests')
    .where({ portal_id: portalId })
    .andWhere('created_at', '<', period.to)
    .andWhere((q) => { void q.whereNull('closed_at').orWhere('closed_at', '>=', period.from); })
    .orderBy('created_at')
    .orderBy('seq')
    .select<{ id: string; deal_id: string; lifecycle: ApprovalState }[]>('id', 'deal_id', 'lifecycle');
  return rows.map((row) => ({ id: row.id, dealId: row.deal_id, lifecycle: row.lifecycle }));
}

/** For the CLI, which has no signed viewer: the operator running it holds the database. */
export async function buildScorecard(db: Knex, portalId: string, period: Period): Promise<Scorecard> {
  return computeScorecard(portalId, period, await loadPeriodRequests(db, portalId, period));
}

export async function getScorecard(deps: ServiceDeps, viewer: Viewer, period: Period): Promise<Scorecard> {
  const portal = await loadPortal(deps, viewer.portalId);
  if (!isAdmin(portal, viewer.email)) throw new AppError('forbidden', 'only the portal\'s approval-router admins can read the scorecard');
  return buildScorecard(deps.db, portal.id, period);
}
