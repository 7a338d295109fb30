// Posture counts the deals the active policy could not route, every minute in every worker: without an index the
// count parsed every evaluation trace of its window as JSON (260 ms a run under bench/soak, and growing with the
// window). A partial index holds only the unroutable evaluations, so the count reads those; an evaluation's output is
// parsed once, as its trace is appended. trace_route_outcome() answers null for an output Postgres cannot parse as
// JSON (a \u0000 in a string, say) rather than fail: no trace is ever refused for its index.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE FUNCTION trace_route_outcome(p_output text) RETURNS text LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
    BEGIN
      RETURN p_output::json #>> '{route,outcome,kind}';
    EXCEPTION WHEN data_exception THEN
      RETURN NULL;
    END $$;
  `);
  await knex.raw(`CREATE INDEX traces_unroutable ON traces (portal_id, occurred_at)
    WHERE kind = 'evaluation' AND trace_route_outcome(output) = 'unroutable'`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS traces_unroutable');
  await knex.raw('DROP FUNCTION IF EXISTS trace_route_outcome(text)');
}
