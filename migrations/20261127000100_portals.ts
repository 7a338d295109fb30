// Portals: one row per HubSpot account that installed the app (or the local demo portal).
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('portals', (table) => {
    table.bigInteger('id').primary();
    table.text('name').notNullable();
    table.text('install_state').notNullable().defaultTo('installed');
    table.text('feature_flag').notNullable().defaultTo('shadow');
    table.jsonb('settings').notNullable().defaultTo('{}');
    table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(`ALTER TABLE portals ADD CONSTRAINT portals_install_state_check CHECK (install_state IN ('installed', 'uninstalled', 'demo'))`);
  await knex.raw(`ALTER TABLE portals ADD CONSTRAINT portals_feature_flag_check CHECK (feature_flag IN ('off', 'shadow', 'on'))`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('portals');
}
