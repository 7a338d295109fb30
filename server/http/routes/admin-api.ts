// Admin endpoints under /api/v1/admin: the policy's versions, validation, activation, staged rollout, the rollback,
// posture and its history, who administers the portal, the feature flag, and delegations (which an approver may also
// use for their own away window). Saving, activating, rolling back, the flag and delegations take an idempotency key
// and the version the caller saw (see use-cases/admin-write.ts); activating goes through the promotion gate.
import { Router } from 'express';
import {
  ActivatePolicyParams, DelegationBody, DelegationListQuery, DelegationParams, EmptyBody, PolicySourceBody,
  RevokeDelegationQuery, SavePolicyBody, SetFlagBody,
} from '../../../src/contract/card-api.js';
import { GatedActivateBody, GatedPromoteBody, PostureHistoryQuery, RollbackBody, SimulateBody } from '../../../src/contract/settings-api.js';
import { simulateDraft } from '../../use-cases/admin/simulate-draft.js';
import { rollBackPolicy } from '../../use-cases/admin/admin-rollback.js';
import { DEFAULT_ADMIN_SETTINGS, type AdminSettings } from '../../use-cases/admin/admin-settings.js';
import { dropCandidate, getCandidateSummary, getPosture, promoteCandidate, stagePolicyVersion } from '../../use-cases/rollout/candidate.js';
import {
  activatePolicy, getGateStatus, getPolicyOverview, getPortalAdmins, getPostureHistory, savePolicy, setFlag, validateCandidate,
} from '../../use-cases/admin/admin-policy.js';
import type { ServiceDeps } from '../../use-cases/deps.js';
import { createDelegationFor, listDelegationsFor, revokeDelegationFor } from '../../use-cases/admin/manage-delegations.js';
import { parseBody, parseInput, parseParams } from '../validate.js';
import { viewerOf } from './card-api.js';

export function createAdminRouter(deps: ServiceDeps & { adminSettings?: AdminSettings }): Router {
  const router = Router();
  const settings = deps.adminSettings ?? DEFAULT_ADMIN_SETTINGS;

  router.get('/policy', async (_req, res) => {
    res.json(await getPolicyOverview(deps, viewerOf(res)));
  });

  router.post('/policy/validate', async (req, res) => {
    const { source } = parseBody(PolicySourceBody, req);
    res.json(await validateCandidate(deps, viewerOf(res), source));
  });

  router.post('/policy/simulate', async (req, res) => {
    res.json(await simulateDraft(deps, viewerOf(res), parseBody(SimulateBody, req), settings));
  });

  router.post('/policy/versions', async (req, res) => {
    const { source, idempotencyKey, expectedActiveVersion } = parseBody(SavePolicyBody, req);
    const answer = await savePolicy(deps, viewerOf(res), source, { idempotencyKey, expectedVersion: expectedActiveVersion });
    res.status(answer.status).json(answer.body);
  });

  router.post('/policy/versions/:version/activate', async (req, res) => {
    const { version } = parseParams(ActivatePolicyParams, req);
    const { expectedActiveVersion, idempotencyKey, override, reason } = parseInput(GatedActivateBody, req.body ?? {}, 'body');
    res.json(await activatePolicy(deps, viewerOf(res), version, { idempotencyKey, expectedVersion: expectedActiveVersion }, { override, reason }, settings));
  });

  router.get('/policy/versions/:version/gate', async (req, res) => {
    const { version } = parseParams(ActivatePolicyParams, req);
    res.json(await getGateStatus(deps, viewerOf(res), version, settings));
  });

  router.post('/policy/rollback', async (req, res) => {
    res.json(await rollBackPolicy(deps, viewerOf(res), parseBody(RollbackBody, req)));
  });

  router.post('/policy/versions/:version/stage', async (req, res) => {
    const { version } = parseParams(ActivatePolicyParams, req);
    parseInput(EmptyBody, req.body ?? {}, 'body');
    res.json(await stagePolicyVersion(deps, viewerOf(res), version));
  });

  router.get('/policy/candidate', async (_req, res) => {
    res.json(await getCandidateSummary(deps, viewerOf(res)));
  });

  router.post('/policy/candidate/promote', async (req, res) => {
    const body = parseInput(GatedPromoteBody, req.body ?? {}, 'body');
    res.json(await promoteCandidate(deps, viewerOf(res), body, settings));
  });

  router.delete('/policy/candidate', async (_req, res) => {
    res.json(await dropCandidate(deps, viewerOf(res)));
  });

  router.get('/posture', async (_req, res) => {
    res.json(await getPosture(deps, viewerOf(res)));
  });

  router.get('/posture/history', async (req, res) => {
    const { limit } = parseInput(PostureHistoryQuery, { limit: req.query.limit }, 'query');
    res.json(await getPostureHistory(deps, viewerOf(res), limit));
  });

  router.get('/admins', async (_req, res) => {
    res.json(await getPortalAdmins(deps, viewerOf(res)));
  });

  router.get('/delegations', async (req, res) => {
    const { all } = parseInput(DelegationListQuery, req.query, 'query');
    res.json(await listDelegationsFor(deps, viewerOf(res), { all: all === 'true' }));
  });

  router.post('/delegations', async (req, res) => {
    const { idempotencyKey, expectedVersion, ...window } = parseBody(DelegationBody, req);
    const answer = await createDelegationFor(deps, viewerOf(res), window, { idempotencyKey, expectedVersion });
    res.status(answer.status).json(answer.body);
  });

  router.delete('/delegations/:id', async (req, res) => {
    const { id } = parseParams(DelegationParams, req);
    const { idempotencyKey, expectedVersion } = parseInput(RevokeDelegationQuery, req.query, 'query');
    res.json(await revokeDelegationFor(deps, viewerOf(res), id, { idempotencyKey, expectedVersion }));
  });

  router.put('/flag', async (req, res) => {
    const { flag, idempotencyKey, expectedVersion } = parseBody(SetFlagBody, req);
    res.json(await setFlag(deps, viewerOf(res), flag, { idempotencyKey, expectedVersion }));
  });

  return router;
}
