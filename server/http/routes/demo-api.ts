// Demo-only endpoints for the local demo portal: create a deal and change its properties the way a rep would
// in HubSpot (followed by the same re-assessment a HubSpot webhook triggers). Other portals get 404.
import { Router } from 'express';
import { z } from 'zod';
import { DealParams, isStorableText } from '../../../src/contract/card-api.js';
import { changeDemoDeal, createDemoDeal } from '../../use-cases/demo/demo-deals.js';
import type { ServiceDeps } from '../../use-cases/deps.js';
import { parseBody, parseParams } from '../validate.js';
import { viewerOf } from './card-api.js';

const Properties = z.record(z.string().regex(/^[a-z][a-z0-9_]{0,99}$/, 'a HubSpot internal property name'), z.string().max(1000).refine(isStorableText, 'contains a NUL character or a broken unicode sequence').nullable());
const PropertiesBody = z.strictObject({ properties: Properties });

export function createDemoRouter(deps: ServiceDeps): Router {
  const router = Router();

  router.post('/deals', async (req, res) => {
    const viewer = viewerOf(res);
    const { properties } = parseBody(PropertiesBody, req);
    res.status(201).json(await createDemoDeal(deps, viewer, properties));
  });

  router.post('/deals/:dealId/properties', async (req, res) => {
    const viewer = viewerOf(res);
    const { dealId } = parseParams(DealParams, req);
    const { properties } = parseBody(PropertiesBody, req);
    res.json(await changeDemoDeal(deps, viewer, dealId, properties));
  });

  return router;
}
