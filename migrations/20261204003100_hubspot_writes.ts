// What the HubSpot channel wrote for a request (server/store/hubspot-writes.ts): one row per note or task, keyed by
// the request, the row version of the change that asked for it and the item (an approver's task, a note), so a
// retried or repeated job never writes it twice; a task's row also says when its step closed it. Local tasks
// (the demo portal's CRM) gain the completion HubSpot tasks have.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('hubspot_writes', (table) => {
    table.bigInteger('portal_id').notNullable().references('portals.id').onDelete('CASCADE');
    table.text('request_id').notNullable();
    table.integer('version').notNullable();
    table.text('item').notNullable();
    table.text('object_type').notNullable();
    table.text('crm_id').notNullable();
    table.text('step_id');
    table.text('approver');
    table.timestamp('written_at', { useTz: true }).notNullable();
    table.timestamp('closed_at', { useTz: true });
    table.primary(['portal_id', 'request_id', 'version', 'item']);
    table.index(['portal_id', 'request_id']);
  });
  await knex.schema.alterTable('local_tasks', (table) => {
    table.timestamp('completed_at', { useTz: true });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('local_tasks', (table) => {
    table.dropColumn('completed_at');
  });
  await knex.schema.dropTableIfExists('hubspot_writes');
}
