// The local demo portal's deals, changed the way a rep would change them in HubSpot: a new deal, or new property
// values followed by the same re-assessment a HubSpot webhook triggers. Other portals have no demo deals (404).
import { AppError } from '../../errors.js';
import { changeLocalDeal, highestLocalDealId, upsertLocalDeal } from '../../store/local-crm.js';
import type { Portal } from '../../store/portals.js';
import { isoNow, type ServiceDeps } from '../deps.js';
import { loadPortal, type Viewer } from '../load-facts.js';
import { onDealChanged, type DealChangeOutcome } from '../webhooks/deal-changed.js';

type Properties = Record<string, string | null>;

/** Demo deal ids start here, clear of the seeded examples'. */
const FIRST_DEMO_DEAL_ID = 10_000;

async function loadDemoPortal(deps: ServiceDeps, viewer: Viewer): Promise<Portal> {
  const portal = await loadPortal(deps, viewer.portalId);
  if (portal.installState !== 'demo') throw new AppError('not_found', 'demo endpoints exist only for the local demo portal');
  return portal;
}

export async function createDemoDeal(deps: ServiceDeps, viewer: Viewer, properties: Properties): Promise<{ dealId: string }> {
  const portal = await loadDemoPortal(deps, viewer);
  const dealId = String(Math.max((await highestLocalDealId(deps.db, portal.id)) + 1, FIRST_DEMO_DEAL_ID));
  await upsertLocalDeal(deps.db, portal.id, { id: dealId, properties }, isoNow(deps));
  return { dealId };
}

export async function changeDemoDeal(deps: ServiceDeps, viewer: Viewer, dealId: string, changes: Properties): Promise<{ properties: Properties; outcome: DealChangeOutcome }> {
  const portal = await loadDemoPortal(deps, viewer);
  const properties = await changeLocalDeal(deps.db, portal.id, dealId, changes, isoNow(deps));
  if (!properties) throw new AppError('not_found', `deal ${dealId} was not found in this portal`);
  return { properties, outcome: await onDealChanged(deps, portal, dealId) };
}
