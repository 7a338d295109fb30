// Incident packets for admins: SLA breaches, dead sync jobs, rollbacks, gate overrides. Listed, read, resolved.
import { Router } from 'express';
import { IncidentListQuery, IncidentParams, ResolveIncidentBody } from '../../../src/contract/settings-api.js';
import type { ServiceDeps } from '../../use-cases/deps.js';
import { listPortalIncidents, readIncident, resolvePortalIncident } from '../../use-cases/admin/incidents.js';
import { parseBody, parseInput, parseParams } from '../validate.js';
import { viewerOf } from './card-api.js';

export function createIncidentsRouter(deps: ServiceDeps): Router {
  const router = Router();

  router.get('/incidents', async (req, res) => {
    const viewer = viewerOf(res);
    const { kind, state, limit } = parseInput(IncidentListQuery, { kind: req.query.kind, state: req.query.state, limit: req.query.limit }, 'query');
    res.json({ incidents: await listPortalIncidents(deps, viewer, { ...(kind ? { kind } : {}), state, limit }) });
  });

  router.get('/incidents/:id', async (req, res) => {
    const viewer = viewerOf(res);
    const { id } = parseParams(IncidentParams, req);
    res.json(await readIncident(deps, viewer, id));
  });

  router.post('/incidents/:id/resolve', async (req, res) => {
    const { id } = parseParams(IncidentParams, req);
    res.json(await resolvePortalIncident(deps, viewerOf(res), id, parseBody(ResolveIncidentBody, req)));
  });

  return router;
}
