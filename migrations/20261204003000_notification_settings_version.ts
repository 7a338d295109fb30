// The version an admin's change of the portal's notification channels is conditioned on, like the flag's: a change
// made against an older version (a second admin's stale page, a captured request replayed) is refused.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('portals', (table) => {
    table.integer('settings_version').notNullable().defaultTo(1);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('portals', (table) => {
    table.dropColumn('settings_version');
  });
}
