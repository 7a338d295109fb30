// Incident packets for admins: SLA breaches, dead sync jobs, rollbacks. Read-only.
import { Router } from 'express';
import { z } from 'zod';
import type { ServiceDeps } from '../../use-cases/deps.js';
import { listPortalIncidents, readIncident } from '../../use-cases/admin/incidents.js';
import { parseInput, parseParams } from '../validate.js';
import { viewerOf } from './card-api.js';

const ListQuery = z.object({ kind: z.string().max(100).optional(), limit: z.coerce.number().int().min(1).max(500).default(50) });
const IncidentParams = z.strictObject({ id: z.string().regex(/^\d{1,18}$/, 'an incident id (digits)') });

export function createIncidentsRouter(deps: ServiceDeps): Router {
  const router = Router();

  router.get('/incidents', async (req, res) => {
    const viewer = viewerOf(res);
    const { kind, limit } = parseInput(ListQuery, { kind: req.query.kind, limit: req.query.limit }, 'query');
    res.json({ incidents: await listPortalIncidents(deps, viewer, { ...(kind ? { kind } : {}), limit }) });
  });

  router.get('/incidents/:id', async (req, res) => {
    const viewer = viewerOf(res);
    const { id } = parseParams(IncidentParams, req);
    const incident = await readIncident(deps, viewer, id);
    res.json({ id: incident.id, kind: incident.kind, summary: incident.summary, createdAt: incident.createdAt, packet: incident.packet });
  });

  return router;
}
