// The last judgement of a portal's scorecard targets for posture (use-cases/admin/scorecard-targets.ts): which targets
// were missed, for which active version and version of the targets, and when. Posture reads it instead of a month of
// requests each minute.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('target_judgements', (table) => {
    table.bigInteger('portal_id').primary().references('portals.id').onDelete('CASCADE');
    table.bigInteger('policy_version_id').notNullable().references('policy_versions.id').onDelete('CASCADE');
    table.integer('targets_version').notNullable();
    table.timestamp('judged_at', { useTz: true }).notNullable();
    table.jsonb('missed').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('target_judgements');
}
