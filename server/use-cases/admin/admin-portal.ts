// The portal an admin acts on: 404 when the app is not installed there, 403 when the viewer is not one of its
// approval-router admins (the installing user, the admins its settings name, and its HubSpot super admins).
import { AppError } from '../../errors.js';
import type { Portal } from '../../store/portals.js';
import type { ServiceDeps } from '../deps.js';
import { loadPortal, type Viewer } from '../load-facts.js';
import { isPortalAdmin } from './portal-admins.js';

export async function loadAdminPortal(deps: ServiceDeps, viewer: Viewer, what = 'do this'): Promise<Portal> {
  const portal = await loadPortal(deps, viewer.portalId);
  if (!(await isPortalAdmin(deps, portal, viewer.email))) throw new AppError('forbidden', `only the portal's approval-router admins can ${what}`);
  return portal;
}

/** The viewer's portal and whether they administer it, for actions open to everyone with more for admins. */
export async function loadPortalActor(deps: ServiceDeps, viewer: Viewer): Promise<{ portal: Portal; admin: boolean }> {
  const portal = await loadPortal(deps, viewer.portalId);
  return { portal, admin: await isPortalAdmin(deps, portal, viewer.email) };
}
