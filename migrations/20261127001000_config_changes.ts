// A portal's configuration (the portal row, its policy versions, its delegations) changes rarely and is read on
// every card view. Each write to those tables, by any process or by hand, appends a row here; the number of rows
// a portal has is its configuration version. A reader compares that number, fetched in the same statement as data
// it needs anyway, with the version its cached copy was loaded at. Appending (not bumping one counter row) takes no
// row lock, so it can never deadlock with the writers' own locks; counting (not max(id)) is exact however the
// writers' commits interleave, since a row only becomes visible when its transaction commits.
import type { Knex } from 'knex';

const WATCHED: { table: string; portalColumn: string }[] = [
  { table: 'portals', portalColumn: 'id' },
  { table: 'policy_versions', portalColumn: 'portal_id' },
  { table: 'delegations', portalColumn: 'portal_id' },
];

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`CREATE TABLE config_changes (
    portal_id bigint NOT NULL,
    id bigserial NOT NULL,
    changed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (portal_id, id)
  )`);
  for (const { table, portalColumn } of WATCHED) {
    await knex.raw(`
      CREATE FUNCTION note_${table}_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN INSERT INTO config_changes (portal_id) VALUES (OLD.${portalColumn}); END IF;
        IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.${portalColumn} IS DISTINCT FROM OLD.${portalColumn}) THEN
          INSERT INTO config_changes (portal_id) VALUES (NEW.${portalColumn});
        END IF;
        RETURN NULL;
      END $$`);
    await knex.raw(`CREATE TRIGGER ${table}_config_change AFTER INSERT OR UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION note_${table}_change()`);
  }
}

export async function down(knex: Knex): Promise<void> {
  for (const { table } of WATCHED) {
    await knex.raw(`DROP TRIGGER IF EXISTS ${table}_config_change ON ${table}`);
    await knex.raw(`DROP FUNCTION IF EXISTS note_${table}_change()`);
  }
  await knex.raw('DROP TABLE IF EXISTS config_changes');
}
