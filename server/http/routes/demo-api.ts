// Demo-only endpoints for the local demo portal: create a deal and change its properties the way a rep would
// in HubSpot (followed by the same re-assessment a HubSpot webhook triggers). Other portals get 404.
import { Router } from 'express';
import { z } from 'zod';
import { DealParams, isStorableText } from '../../../src/contract/card-api.js';
import { LocalCrm } from '../../crm/local-crm.js';
import { AppError } from '../../errors.js';
import { onDealChanged } from '../../use-cases/webhooks/deal-changed.js';
import type { ServiceDeps } from '../../use-cases/deps.js';
import { loadPortal } from '../../use-cases/load-facts.js';
import { parseBody, parseParams } from '../validate.js';
import { viewerOf } from './card-api.js';

const Properties = z.record(z.string().regex(/^[a-z][a-z0-9_]{0,99}$/, 'a HubSpot internal property name'), z.string().max(1000).refine(isStorableText, 'contains a NUL character or a broken unicode sequence').nullable());
const PropertiesBody = z.strictObject({ properties: Properties });

export function createDemoRouter(deps: ServiceDeps): Router {
  const router = Router();
  const crm = new LocalCrm(deps.db);

  const demoPortal = async (portalId: string) => {
    const portal = await loadPortal(deps, portalId);
    if (portal.installState !== 'demo') throw new AppError('not_found', 'demo endpoints exist only for the local demo portal');
    return portal;
  };

  router.post('/deals', async (req, res) => {
    const portal = await demoPortal(viewerOf(res).portalId);
    const { properties } = parseBody(PropertiesBody, req);
    const next = await deps.db('local_deals').where({ portal_id: portal.id }).first<{ max: string | null }>(deps.db.raw('max(id::bigint) as max'));
    const id = String(Math.max(Number(next?.max ?? 0) + 1, 10_000));
    await crm.upsertDeal(portal.id, { id, properties });
    res.status(201).json({ dealId: id });
  });

  router.post('/deals/:dealId/properties', async (req, res) => {
    const portal = await demoPortal(viewerOf(res).portalId);
    const { dealId } = parseParams(DealParams, req);
    const { properties } = parseBody(PropertiesBody, req);
    const updated = await crm.updateDeal(portal.id, dealId, properties);
    if (!updated) throw new AppError('not_found', `deal ${dealId} was not found in this portal`);
    const outcome = await onDealChanged(deps, portal, dealId);
    res.json({ properties: updated, outcome });
  });

  return router;
}
