// The notes and tasks the HubSpot channel wrote for a request (use-cases/notify/hubspot-channel.ts), and the SLA
// timers' reminder and escalation tasks (use-cases/sla/sla-timers.ts), which the channel completes too. A row is
// recorded as soon as HubSpot answers for it, so a job retried after a later write failed skips what is done.
import type { Knex } from 'knex';

export interface HubSpotWrite {
  version: number;
  item: string;
  objectType: 'note' | 'task';
  crmId: string;
  stepId: string | null;
  approver: string | null;
  closedAt: string | null;
}

interface WriteRow {
  version: number; item: string; object_type: 'note' | 'task'; crm_id: string; step_id: string | null; approver: string | null; closed_at: Date | null;
}

export async function hubspotWrites(db: Knex, portalId: string, requestId: string): Promise<HubSpotWrite[]> {
  const rows = await db('hubspot_writes').where({ portal_id: portalId, request_id: requestId }).orderBy('written_at')
    .select<WriteRow[]>('version', 'item', 'object_type', 'crm_id', 'step_id', 'approver', 'closed_at');
  return rows.map((row) => ({
    version: row.version, item: row.item, objectType: row.object_type, crmId: row.crm_id, stepId: row.step_id, approver: row.approver, closedAt: row.closed_at?.toISOString() ?? null,
  }));
}

export async function recordHubSpotWrite(
  db: Knex, portalId: string, requestId: string, write: Omit<HubSpotWrite, 'closedAt'>, at: string,
): Promise<void> {
  await db('hubspot_writes').insert({
    portal_id: portalId, request_id: requestId, version: write.version, item: write.item, object_type: write.objectType,
    crm_id: write.crmId, step_id: write.stepId, approver: write.approver, written_at: at,
  }).onConflict(['portal_id', 'request_id', 'version', 'item']).ignore();
}

export async function closeHubSpotTask(db: Knex, portalId: string, requestId: string, crmId: string, at: string): Promise<void> {
  await db('hubspot_writes').where({ portal_id: portalId, request_id: requestId, object_type: 'task', crm_id: crmId }).whereNull('closed_at').update({ closed_at: at });
}
