// The portal an admin acts on: 404 when the app is not installed there, 403 when the viewer is not one of its
// approval-router admins (the installing user and the admins its settings name).
import { AppError } from '../../errors.js';
import { isAdmin, type Portal } from '../../store/portals.js';
import type { ServiceDeps } from '../deps.js';
import { loadPortal, type Viewer } from '../load-facts.js';

export async function loadAdminPortal(deps: ServiceDeps, viewer: Viewer, what = 'do this'): Promise<Portal> {
  const portal = await loadPortal(deps, viewer.portalId);
  if (!isAdmin(portal, viewer.email)) throw new AppError('forbidden', `only the portal's approval-router admins can ${what}`);
  return portal;
}
