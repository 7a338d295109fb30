// The webhook inbox: every HubSpot event as received (duplicates collapse on a dedupe key, since eventId alone is
// not unique), and each deal's stage history, which tells a gate rollback where the deal came from.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('webhook_events', (table) => {
    table.bigIncrements('id').primary();
    // No foreign key: events for unknown portals are stored (and ignored) too.
    table.bigInteger('portal_id').notNullable();
    table.text('event_id').notNullable();
    table.text('subscription_type').notNullable();
    table.text('object_id').notNullable();
    table.text('property_name');
    table.text('property_value');
    table.text('change_source');
    table.text('source_id');
    table.timestamp('occurred_at', { useTz: true }).notNullable();
    table.integer('attempt_number').notNullable().defaultTo(0);
    /** The event exactly as HubSpot sent it, unknown fields included. */
    table.jsonb('payload').notNullable();
    table.timestamp('received_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.timestamp('processed_at', { useTz: true });
    table.text('outcome');
  });
  // A retried delivery repeats all of these; COALESCE because creation and deletion events carry no property.
  await knex.raw(`CREATE UNIQUE INDEX webhook_events_dedupe ON webhook_events
    (portal_id, event_id, subscription_type, object_id, (COALESCE(property_name, '')), occurred_at)`);
  await knex.raw('CREATE INDEX webhook_events_by_deal ON webhook_events (portal_id, object_id, occurred_at)');
  await knex.raw('CREATE INDEX webhook_events_unprocessed ON webhook_events (received_at) WHERE processed_at IS NULL');

  await knex.schema.createTable('deal_stage_history', (table) => {
    table.bigIncrements('id').primary();
    table.bigInteger('portal_id').notNullable();
    table.text('deal_id').notNullable();
    table.text('stage').notNullable();
    table.text('pipeline');
    table.timestamp('occurred_at', { useTz: true }).notNullable();
    /** hubspot (an allowed move), shadow (a gated move left alone in shadow), blocked (a gated move to undo),
     *  rollback (our write back), flagged (a gated move we could not undo: no known previous stage). */
    table.text('source').notNullable();
    /** The webhook event this row came from (or, for rollback and flagged, the blocked event it answers). */
    table.bigInteger('webhook_event_id').references('webhook_events.id').onDelete('SET NULL');
    table.jsonb('detail').notNullable().defaultTo('{}');
    /** Rollback and flagged rows: when the note and the owner's task were added (null: still to do). */
    table.timestamp('followed_up_at', { useTz: true });
    table.timestamp('recorded_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(`ALTER TABLE deal_stage_history ADD CONSTRAINT deal_stage_history_source_check
    CHECK (source IN ('hubspot', 'shadow', 'blocked', 'rollback', 'flagged'))`);
  // Processing an event twice, or retrying a rollback, cannot add a second row.
  await knex.raw('CREATE UNIQUE INDEX deal_stage_history_once ON deal_stage_history (webhook_event_id, source)');
  await knex.raw('CREATE INDEX deal_stage_history_by_deal ON deal_stage_history (portal_id, deal_id, occurred_at DESC, id DESC)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('deal_stage_history');
  await knex.schema.dropTableIfExists('webhook_events');
}
