// The approver's inbox: requests across deals whose active step waits on this user.
import type { InboxItem } from '../../../src/contract/card-api.js';
import { inboxFor } from '../../store/requests.js';
import type { ServiceDeps } from '../deps.js';
import { loadPortal, type Viewer } from '../load-facts.js';

export async function getInbox(deps: ServiceDeps, viewer: Viewer): Promise<{ items: InboxItem[] }> {
  const portal = await loadPortal(deps, viewer.portalId);
  const rows = await inboxFor(deps.db, portal.id, viewer.email);
  return {
    items: rows.map((row) => ({
      requestId: row.id,
      dealId: row.deal_id,
      dealName: row.deal_snapshot.properties.dealname ?? null,
      requester: row.requester_email,
      stepLabel: row.step_id,
      dueAt: row.due_at?.toISOString() ?? null,
      score: row.score,
      routeId: row.route_id,
      createdAt: row.created_at.toISOString(),
    })),
  };
}
