// Every check a transaction needs is made by the service between its statements, so nothing calls raise_unless().
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('DROP FUNCTION IF EXISTS raise_unless(boolean, text)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE OR REPLACE FUNCTION raise_unless(ok boolean, message text) RETURNS boolean LANGUAGE plpgsql AS $$
    BEGIN
      IF ok IS NOT TRUE THEN RAISE EXCEPTION '%', message; END IF;
      RETURN true;
    END $$`);
}
