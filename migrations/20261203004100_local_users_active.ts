// LocalCrm's users carry whether they are active, as the directory does: a deactivated user never approves.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('local_users', (table) => {
    table.boolean('active').notNullable().defaultTo(true);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('local_users', (table) => {
    table.dropColumn('active');
  });
}
