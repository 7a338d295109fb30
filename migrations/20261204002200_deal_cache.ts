// The deal cache: installed portals' deals as HubSpot last answered a live read, so a card view of a deal that has
// not changed needs no HubSpot call. Its version is the deal's hs_lastmodifieddate from that same read; webhooks
// only cause reads (server/use-cases/webhooks/feed-deal-cache.ts), they never write values or versions here.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('deal_cache', (table) => {
    table.bigInteger('portal_id').notNullable();
    table.text('deal_id').notNullable();
    /** The properties HubSpot returned, as it returned them (a name it does not define is absent). */
    table.jsonb('properties').notNullable();
    /** The names the read asked for: the cache answers for these only. */
    table.specificType('asked', 'text[]').notNullable();
    /** The deal's hs_lastmodifieddate in that read: the copy is current for any view of the deal as of then or before. */
    table.timestamp('modified_at', { useTz: true }).notNullable();
    /** When the read was made (the service's clock). */
    table.timestamp('read_at', { useTz: true }).notNullable();
    table.primary(['portal_id', 'deal_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('deal_cache');
}
