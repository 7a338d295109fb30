// Malformed webhook events, kept beside the inbox rather than refusing their batch: HubSpot does not deliver a batch
// again after a 4xx, so one bad event would cost the genuine ones beside it. An operator reads them with
// `approval-router incidents --quarantined`.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('webhook_quarantine', (table) => {
    table.bigIncrements('id').primary();
    /** The event's portal when that field at least was readable; no foreign key, as for the inbox. */
    table.bigInteger('portal_id');
    table.timestamp('received_at', { useTz: true }).notNullable();
    /** The event's position in its batch, and how many events the batch held. */
    table.integer('batch_index').notNullable();
    table.integer('batch_size').notNullable();
    /** Every problem found, as [{ path, message }], paths relative to the event. */
    table.jsonb('problems').notNullable();
    /**
     * The event as JSON text, fields nested past the inbox's depth cut off. Text, not jsonb: what made it malformed
     * may be a NUL or a broken surrogate, which JSON text escapes and jsonb cannot hold.
     */
    table.text('raw').notNullable();
  });
  // A delivery HubSpot repeats is kept once.
  await knex.raw('CREATE UNIQUE INDEX webhook_quarantine_once ON webhook_quarantine (md5(raw))');
  await knex.raw('CREATE INDEX webhook_quarantine_by_portal ON webhook_quarantine (portal_id, id DESC)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('webhook_quarantine');
}
