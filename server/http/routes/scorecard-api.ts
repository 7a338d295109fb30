// The scorecard for the portal's admins: GET /api/v1/scorecard?from&to (the figures of [from, to) against baseline
// and targets), and under /api/v1/admin/scorecard the targets and the baseline, read and written. Writes take an
// idempotency key and the version the admin saw.
import { Router } from 'express';
import { ScorecardQuery, SetBaselineBody, SetTargetsBody } from '../../../src/contract/scorecard.js';
import type { ServiceDeps } from '../../use-cases/deps.js';
import { getScorecard } from '../../use-cases/admin/scorecard.js';
import { getBaseline, setBaseline } from '../../use-cases/admin/scorecard-baseline.js';
import { getTargets, setTargets } from '../../use-cases/admin/scorecard-targets.js';
import { parseBody, parseInput } from '../validate.js';
import { viewerOf } from './card-api.js';

export function createScorecardRouter(deps: ServiceDeps): Router {
  const router = Router();
  router.get('/scorecard', async (req, res) => {
    const period = parseInput(ScorecardQuery, req.query, 'query');
    res.json(await getScorecard(deps, viewerOf(res), period));
  });

  router.get('/admin/scorecard/targets', async (_req, res) => {
    res.json(await getTargets(deps, viewerOf(res)));
  });

  router.put('/admin/scorecard/targets', async (req, res) => {
    const { targets, idempotencyKey, expectedVersion } = parseBody(SetTargetsBody, req);
    res.json(await setTargets(deps, viewerOf(res), targets, { idempotencyKey, expectedVersion }));
  });

  router.get('/admin/scorecard/baseline', async (_req, res) => {
    res.json(await getBaseline(deps, viewerOf(res)));
  });

  router.post('/admin/scorecard/baseline', async (req, res) => {
    const { idempotencyKey, expectedVersion, ...change } = parseBody(SetBaselineBody, req);
    res.json(await setBaseline(deps, viewerOf(res), change, { idempotencyKey, expectedVersion }));
  });
  return router;
}
