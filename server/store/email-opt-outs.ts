// A person's "no more approval emails" in a portal: one statement that appends to settings.emailOptOuts unless the
// address is there already, so two at once (or an admin's settings write) lose nothing.
import type { Knex } from 'knex';

/** True when this call added the address; false when it was already there or the portal is gone. */
export async function addEmailOptOut(db: Knex, portalId: string, email: string): Promise<boolean> {
  const updated = await db('portals')
    .where({ id: portalId })
    .whereRaw(`NOT (coalesce(settings->'emailOptOuts', '[]'::jsonb) @> jsonb_build_array(?::text))`, [email])
    .update({ settings: db.raw(`jsonb_set(settings, '{emailOptOuts}', coalesce(settings->'emailOptOuts', '[]'::jsonb) || jsonb_build_array(?::text))`, [email]) });
  return updated > 0;
}
