// The portal's HubSpot super admins as last read from HubSpot, stamped with the service's clock: every process
// shares one copy, and the use case decides when it is too old to trust.
import type { Knex } from 'knex';

export interface SuperAdminsRead {
  emails: string[];
  readAt: string;
  /** Why HubSpot's users could not be read at `readAt` (the emails are then empty). */
  error: string | null;
}

export async function readSuperAdmins(db: Knex, portalId: string): Promise<SuperAdminsRead | null> {
  const row = await db('hubspot_super_admins').where({ portal_id: portalId }).first<{ emails: string[]; read_at: Date; error: string | null } | undefined>();
  return row ? { emails: row.emails, readAt: row.read_at.toISOString(), error: row.error } : null;
}

export async function saveSuperAdmins(db: Knex, portalId: string, read: SuperAdminsRead): Promise<void> {
  await db('hubspot_super_admins').insert({ portal_id: portalId, emails: read.emails, read_at: read.readAt, error: read.error })
    .onConflict('portal_id').merge();
}
