// Incident packets for a portal's admins: SLA breaches, dead jobs, deferred syncs, posture's rollbacks. Read-only.
import { AppError } from '../../errors.js';
import { findIncident, listIncidents, type Incident, type IncidentSummary } from '../../store/incidents.js';
import { isAdmin, type Portal } from '../../store/portals.js';
import type { ServiceDeps } from '../deps.js';
import { loadPortal, type Viewer } from '../load-facts.js';

async function adminPortal(deps: ServiceDeps, viewer: Viewer): Promise<Portal> {
  const portal = await loadPortal(deps, viewer.portalId);
  if (!isAdmin(portal, viewer.email)) throw new AppError('forbidden', 'only the portal\'s approval-router admins can read incidents');
  return portal;
}

/** The viewer's portal's incidents, newest first; admins only. */
export async function listPortalIncidents(deps: ServiceDeps, viewer: Viewer, options: { kind?: string; limit: number }): Promise<IncidentSummary[]> {
  const portal = await adminPortal(deps, viewer);
  return listIncidents(deps.db, portal.id, options);
}

/** One incident of the viewer's portal with its packet; admins only. */
export async function readIncident(deps: ServiceDeps, viewer: Viewer, id: string): Promise<Incident> {
  const portal = await adminPortal(deps, viewer);
  const incident = await findIncident(deps.db, portal.id, id);
  if (!incident) throw new AppError('not_found', `incident ${id} was not found in this portal`);
  return incident;
}
