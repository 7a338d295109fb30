// GET /api/v1/scorecard?from&to: the portal's scorecard for [from, to), for its admins.
import { Router } from 'express';
import { ScorecardQuery } from '../../../src/contract/scorecard.js';
import type { ServiceDeps } from '../../use-cases/deps.js';
import { getScorecard } from '../../use-cases/admin/scorecard.js';
import { parseInput } from '../validate.js';
import { viewerOf } from './card-api.js';

export function createScorecardRouter(deps: ServiceDeps): Router {
  const router = Router();
  router.get('/scorecard', async (req, res) => {
    const period = parseInput(ScorecardQuery, req.query, 'query');
    res.json(await getScorecard(deps, viewerOf(res), period));
  });
  return router;
}
