// Processed webhook events are deleted once past their retention (store/inbox.ts pruneWebhookEvents, run by the
// worker's minute tick): this index finds them by arrival without reading the inbox whole. It holds processed events
// only, which is all the prune deletes; an event enters it as it is marked processed, an update that already writes
// the inbox's other indexes.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE INDEX webhook_events_processed_by_arrival ON webhook_events (received_at) WHERE processed_at IS NOT NULL');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS webhook_events_processed_by_arrival');
}
