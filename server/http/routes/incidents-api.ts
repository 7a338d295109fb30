// Incident packets for admins: SLA breaches, dead sync jobs, rollbacks. Read-only.
import { Router } from 'express';
import { z } from 'zod';
import { AppError } from '../../errors.js';
import { isAdmin } from '../../store/portals.js';
import type { ServiceDeps } from '../../use-cases/deps.js';
import { loadPortal } from '../../use-cases/load-facts.js';
import { parseInput, parseParams } from '../validate.js';
import { viewerOf } from './card-api.js';

const ListQuery = z.object({ kind: z.string().max(100).optional(), limit: z.coerce.number().int().min(1).max(500).default(50) });
const IncidentParams = z.strictObject({ id: z.string().regex(/^\d{1,18}$/, 'an incident id (digits)') });

export function createIncidentsRouter(deps: ServiceDeps): Router {
  const router = Router();
  const adminPortal = async (res: Parameters<typeof viewerOf>[0]) => {
    const viewer = viewerOf(res);
    const portal = await loadPortal(deps, viewer.portalId);
    if (!isAdmin(portal, viewer.email)) throw new AppError('forbidden', 'only the portal\'s approval-router admins can read incidents');
    return portal;
  };

  router.get('/incidents', async (req, res) => {
    const portal = await adminPortal(res);
    const { kind, limit } = parseInput(ListQuery, { kind: req.query.kind, limit: req.query.limit }, 'query');
    let query = deps.db('incidents').where({ portal_id: portal.id }).orderBy('id', 'desc').limit(limit);
    if (kind) query = query.andWhere({ kind });
    const rows = await query.select<{ id: string; kind: string; request_id: string | null; deal_id: string | null; summary: string; created_at: Date }[]>(
      'id', 'kind', 'request_id', 'deal_id', 'summary', 'created_at');
    res.json({ incidents: rows.map((row) => ({ id: String(row.id), kind: row.kind, requestId: row.request_id, dealId: row.deal_id, summary: row.summary, createdAt: row.created_at.toISOString() })) });
  });

  router.get('/incidents/:id', async (req, res) => {
    const portal = await adminPortal(res);
    const { id } = parseParams(IncidentParams, req);
    const row = await deps.db('incidents').where({ portal_id: portal.id, id }).first<{ id: string; kind: string; summary: string; packet: unknown; created_at: Date } | undefined>();
    if (!row) throw new AppError('not_found', `incident ${id} was not found in this portal`);
    res.json({ id: String(row.id), kind: row.kind, summary: row.summary, createdAt: row.created_at.toISOString(), packet: row.packet });
  });

  return router;
}
