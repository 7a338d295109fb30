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

const WRITE_COLUMNS = ['version', 'item', 'object_type', 'crm_id', 'step_id', 'approver', 'closed_at'] as const;

/** Every write recorded for the request, oldest first. */
export async function hubspotWrites(db: Knex, portalId: string, requestId: string): Promise<HubSpotWrite[]> {
  const rows = await db('hubspot_writes').where({ portal_id: portalId, request_id: requestId }).orderBy('written_at').select<WriteRow[]>(...WRITE_COLUMNS);
  return rows.map(toWrite);
}

/**
 * What a change's job reconciles, oldest first: the writes recorded for that change (`version`), which it skips, and
 * the request's tasks not yet completed, which it completes once nobody waits on them. The notes and completed tasks
 * of earlier changes, most of a long request's rows, are left unread. Without a version, the open tasks alone.
 */
export async function writesToReconcile(db: Knex, portalId: string, requestId: string, version: number | null): Promise<HubSpotWrite[]> {
  const rows = await db('hubspot_writes').where({ portal_id: portalId, request_id: requestId })
    .andWhere((which) => {
      void which.where({ object_type: 'task' }).whereNull('closed_at');
      if (version !== null) void which.orWhere({ version });
    })
    .orderBy('written_at').select<WriteRow[]>(...WRITE_COLUMNS);
  return rows.map(toWrite);
}

function toWrite(row: WriteRow): HubSpotWrite {
  return {
    version: row.version, item: row.item, objectType: row.object_type, crmId: row.crm_id, stepId: row.step_id, approver: row.approver, closedAt: row.closed_at?.toISOString() ?? null,
  };
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
