// A statement that must find what it expects or fail: `raise_unless(count(*) = 1, 'why')`. A statement sent behind
// others without waiting for their answers (server/db/prepared.ts, pipelined) cannot be checked by this process
// before the COMMIT behind it runs, so a check that has to hold for the transaction to commit is made in the
// statement itself: it fails, the transaction is aborted, and the COMMIT rolls it back.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE FUNCTION raise_unless(ok boolean, message text) RETURNS boolean LANGUAGE plpgsql AS $$
    BEGIN
      IF ok IS NOT TRUE THEN RAISE EXCEPTION '%', message; END IF;
      RETURN true;
    END $$`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP FUNCTION IF EXISTS raise_unless(boolean, text)');
}
