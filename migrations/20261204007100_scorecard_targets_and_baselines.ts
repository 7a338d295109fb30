// The scorecard's targets and baseline per portal. Each row carries the version admin writes are conditioned on;
// no row means the defaults (targets) or the portal's first 30 days, not yet fixed (baseline).
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('scorecard_targets', (table) => {
    table.bigInteger('portal_id').primary().references('portals.id').onDelete('CASCADE');
    table.jsonb('targets').notNullable();
    table.integer('version').notNullable();
    table.text('updated_by').notNullable();
    table.timestamp('updated_at', { useTz: true }).notNullable();
  });
  await knex.schema.createTable('scorecard_baselines', (table) => {
    table.bigInteger('portal_id').primary().references('portals.id').onDelete('CASCADE');
    // Moved on by admin writes only (an import, a return to the first 30 days), not when the first 30 days are fixed.
    table.integer('version').notNullable().defaultTo(0);
    table.text('source').notNullable();
    // The baseline as the scorecard shows it; null while a first-30-days baseline waits for its 30 days to pass.
    table.jsonb('baseline');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('scorecard_baselines');
  await knex.schema.dropTable('scorecard_targets');
}
