// Admin endpoints under /api/v1/admin: the policy's versions, validation, activation, and the feature flag.
import { Router } from 'express';
import { ActivatePolicyBody, ActivatePolicyParams, PolicySourceBody, SetFlagBody } from '../../../src/contract/card-api.js';
import { activatePolicy, getPolicyOverview, savePolicy, setFlag, validateCandidate } from '../../use-cases/admin-policy.js';
import type { ServiceDeps } from '../../use-cases/deps.js';
import { parseBody, parseInput, parseParams } from '../validate.js';
import { viewerOf } from './card-api.js';

export function createAdminRouter(deps: ServiceDeps): Router {
  const router = Router();

  router.get('/policy', async (_req, res) => {
    res.json(await getPolicyOverview(deps, viewerOf(res)));
  });

  router.post('/policy/validate', async (req, res) => {
    const { source } = parseBody(PolicySourceBody, req);
    res.json(await validateCandidate(deps, viewerOf(res), source));
  });

  router.post('/policy/versions', async (req, res) => {
    const { source } = parseBody(PolicySourceBody, req);
    const answer = await savePolicy(deps, viewerOf(res), source);
    res.status(answer.status).json(answer.body);
  });

  router.post('/policy/versions/:version/activate', async (req, res) => {
    const { version } = parseParams(ActivatePolicyParams, req);
    const { expectedActiveVersion } = parseInput(ActivatePolicyBody, req.body ?? {}, 'body');
    res.json(await activatePolicy(deps, viewerOf(res), version, expectedActiveVersion));
  });

  router.put('/flag', async (req, res) => {
    const { flag } = parseBody(SetFlagBody, req);
    res.json(await setFlag(deps, viewerOf(res), flag));
  });

  return router;
}
