// Versions that admin writes are conditioned on: the feature flag's, and the portal's set of delegations. A write
// names the version it was made against; one made against an older version (a captured request replayed, or a
// second admin's stale page) is refused instead of undoing what happened since.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('portals', (table) => {
    table.integer('flag_version').notNullable().defaultTo(1);
    table.integer('delegations_version').notNullable().defaultTo(1);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('portals', (table) => {
    table.dropColumn('delegations_version');
    table.dropColumn('flag_version');
  });
}
