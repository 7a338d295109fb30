// Traces: append-only, hash-chained per portal. The database itself refuses UPDATE, DELETE and TRUNCATE.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('trace_heads', (table) => {
    table.bigInteger('portal_id').primary().references('portals.id').onDelete('CASCADE');
    table.bigInteger('seq').notNullable();
    table.text('hash').notNullable();
  });
  await knex.schema.createTable('traces', (table) => {
    table.bigIncrements('id').primary();
    table.bigInteger('portal_id').notNullable();
    table.bigInteger('seq').notNullable();
    table.uuid('request_id');
    table.text('deal_id');
    table.text('kind').notNullable();
    table.text('input').notNullable(); // canonical JSON, byte for byte as hashed
    table.text('output').notNullable(); // canonical JSON
    table.text('policy_hash');
    table.text('input_hash'); // evaluations are content-addressed: one row per distinct input
    table.text('engine_version').notNullable();
    table.text('occurred_at').notNullable(); // ISO string as hashed (no timestamp rounding)
    table.text('prev_hash').notNullable();
    table.text('hash').notNullable();
    table.unique(['portal_id', 'seq']);
    table.index(['portal_id', 'occurred_at']);
    table.index(['request_id']);
  });
  await knex.raw(`CREATE INDEX traces_evaluation_input ON traces (portal_id, input_hash) WHERE kind = 'evaluation'`);
  // Documents an evaluation refers to by hash (policies, directory snapshots), stored once as canonical JSON.
  await knex.schema.createTable('trace_documents', (table) => {
    table.text('hash').primary();
    table.text('kind').notNullable();
    table.text('body').notNullable();
  });
  await knex.raw(`
    CREATE FUNCTION traces_are_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'traces are append-only: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
    END $$;
  `);
  await knex.raw(`CREATE TRIGGER traces_no_update_delete BEFORE UPDATE OR DELETE ON traces FOR EACH ROW EXECUTE FUNCTION traces_are_append_only()`);
  await knex.raw(`CREATE TRIGGER traces_no_truncate BEFORE TRUNCATE ON traces FOR EACH STATEMENT EXECUTE FUNCTION traces_are_append_only()`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('trace_documents');
  await knex.schema.dropTableIfExists('traces');
  await knex.raw('DROP FUNCTION IF EXISTS traces_are_append_only()');
  await knex.schema.dropTableIfExists('trace_heads');
}
