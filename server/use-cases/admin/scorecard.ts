// The scorecard: how the routing worked in a portal over a period. Load the requests that were alive in
// the period, compute the figures (server/report/scorecard-figures.ts), answer. Admins only over HTTP.
import type { Period, Scorecard } from '../../../src/contract/scorecard.js';
import type { Db } from '../../db/database.js';
import { computeScorecard } from '../../report/scorecard-figures.js';
import { listPeriodRequests } from '../../store/period-requests.js';
import type { ServiceDeps } from '../deps.js';
import type { Viewer } from '../load-facts.js';
import { loadAdminPortal } from './admin-portal.js';

/** For the CLI, which has no signed viewer: the operator running it holds the database. */
export async function buildScorecard(db: Db, portalId: string, period: Period): Promise<Scorecard> {
  return computeScorecard(portalId, period, await listPeriodRequests(db, portalId, period));
}

export async function getScorecard(deps: ServiceDeps, viewer: Viewer, period: Period): Promise<Scorecard> {
  const portal = await loadAdminPortal(deps, viewer, 'read the scorecard');
  return buildScorecard(deps.db, portal.id, period);
}
