// Incident packets for a portal's admins: SLA breaches, dead jobs, deferred syncs, rollbacks, gate overrides. Listed
// open or resolved, read with their packet, and resolved once with a note (idempotent by key, traced).
import { ENGINE_VERSION } from '../../../src/hash.js';
import { AppError } from '../../errors.js';
import { findIncident, listIncidents, resolveIncident, type Incident, type IncidentSummary } from '../../store/incidents.js';
import { appendTrace } from '../../store/traces.js';
import { isoNow, type ServiceDeps } from '../deps.js';
import type { Viewer } from '../load-facts.js';
import { loadAdminPortal } from './admin-portal.js';
import { runAdminWrite } from './admin-write.js';

/** The viewer's portal's incidents, newest first; admins only. */
export async function listPortalIncidents(
  deps: ServiceDeps, viewer: Viewer, options: { kind?: string; state?: 'open' | 'resolved' | 'all'; limit: number },
): Promise<IncidentSummary[]> {
  const portal = await loadAdminPortal(deps, viewer, 'read incidents');
  return listIncidents(deps.db, portal.id, options);
}

/** One incident of the viewer's portal with its packet; admins only. */
export async function readIncident(deps: ServiceDeps, viewer: Viewer, id: string): Promise<Incident> {
  const portal = await loadAdminPortal(deps, viewer, 'read incidents');
  const incident = await findIncident(deps.db, portal.id, id);
  if (!incident) throw new AppError('not_found', `incident ${id} was not found in this portal`);
  return incident;
}

/** Resolves an open incident with the admin's note; resolving it again changes nothing (`changed: false`). */
export async function resolvePortalIncident(
  deps: ServiceDeps, viewer: Viewer, id: string, input: { note: string; idempotencyKey: string },
): Promise<{ incident: IncidentSummary; changed: boolean }> {
  const portal = await loadAdminPortal(deps, viewer, 'resolve incidents');
  const answer = await runAdminWrite(deps, portal, viewer, { idempotencyKey: input.idempotencyKey, operation: 'admin.resolve_incident', request: { id, note: input.note } }, async (trx) => {
    const incident = await findIncident(trx, portal.id, id, { forUpdate: true });
    if (!incident) throw new AppError('not_found', `incident ${id} was not found in this portal`);
    const at = isoNow(deps);
    const changed = await resolveIncident(trx, portal.id, id, { by: viewer.email, note: input.note, at });
    if (changed) {
      await appendTrace(trx, {
        portalId: portal.id, kind: 'incident', requestId: incident.requestId, dealId: incident.dealId,
        input: { command: 'resolve', by: viewer.email, incident: id, kind: incident.kind, note: input.note },
        output: { resolvedAt: at }, engineVersion: ENGINE_VERSION, occurredAt: at,
      });
    }
    const { packet: _packet, ...summary } = (await findIncident(trx, portal.id, id)) ?? incident;
    return { status: 200, body: { incident: summary, changed } };
  });
  return answer.body;
}
