// A portal's configuration (its row, its policy versions with their rollout state, its delegations) is cached by
// every service process; `portals.config_version` tells a process whether its copy is current. Any write to those
// rows, by any process or by hand, moves the version to a value never used before (a sequence, so a portal deleted
// and made again cannot return to a version a process still holds). A view reads the one number by primary key.
// This replaces config_changes, whose row count was the version and which grew with every change.
// A version's document, source and hash never change (requests keep the version they were routed with, and the
// document cache relies on it), so the database refuses such an update.
import type { Knex } from 'knex';

const OLD_WATCHED: { table: string; portalColumn: string }[] = [
  { table: 'portals', portalColumn: 'id' },
  { table: 'policy_versions', portalColumn: 'portal_id' },
  { table: 'delegations', portalColumn: 'portal_id' },
];

export async function up(knex: Knex): Promise<void> {
  for (const { table } of OLD_WATCHED) {
    await knex.raw(`DROP TRIGGER IF EXISTS ${table}_config_change ON ${table}`);
    await knex.raw(`DROP FUNCTION IF EXISTS note_${table}_change()`);
  }
  await knex.raw('DROP TABLE IF EXISTS config_changes');

  await knex.raw('CREATE SEQUENCE portal_config_versions');
  await knex.raw(`ALTER TABLE portals ADD COLUMN config_version bigint NOT NULL DEFAULT nextval('portal_config_versions')`);

  // An update of the portal's own row moves the version, unless the update is itself the move (below).
  await knex.raw(`
    CREATE FUNCTION move_portal_config_version() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.config_version = OLD.config_version THEN NEW.config_version := nextval('portal_config_versions'); END IF;
      RETURN NEW;
    END $$`);
  await knex.raw('CREATE TRIGGER portals_config_version BEFORE UPDATE ON portals FOR EACH ROW EXECUTE FUNCTION move_portal_config_version()');

  // A write to a row that belongs to a portal's configuration moves that portal's version. Configuration writers
  // lock the portal's row first (store/traces.ts, the lock order), so this update waits for no one new.
  await knex.raw(`
    CREATE FUNCTION move_owning_portal_config_version() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP <> 'INSERT' THEN
        UPDATE portals SET config_version = nextval('portal_config_versions') WHERE id = OLD.portal_id;
      END IF;
      IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.portal_id IS DISTINCT FROM OLD.portal_id) THEN
        UPDATE portals SET config_version = nextval('portal_config_versions') WHERE id = NEW.portal_id;
      END IF;
      RETURN NULL;
    END $$`);
  await knex.raw(`CREATE TRIGGER delegations_config_version AFTER INSERT OR UPDATE OR DELETE ON delegations
    FOR EACH ROW EXECUTE FUNCTION move_owning_portal_config_version()`);
  await knex.raw(`CREATE TRIGGER policy_versions_config_version AFTER INSERT OR DELETE ON policy_versions
    FOR EACH ROW EXECUTE FUNCTION move_owning_portal_config_version()`);
  // Posture stamps stable_at on the active version every minute; nothing a card shows reads it.
  await knex.raw(`CREATE TRIGGER policy_versions_config_version_update AFTER UPDATE ON policy_versions
    FOR EACH ROW WHEN ((to_jsonb(OLD) - 'stable_at') IS DISTINCT FROM (to_jsonb(NEW) - 'stable_at'))
    EXECUTE FUNCTION move_owning_portal_config_version()`);

  await knex.raw(`
    CREATE FUNCTION refuse_policy_document_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.document IS DISTINCT FROM OLD.document OR NEW.source IS DISTINCT FROM OLD.source OR NEW.hash IS DISTINCT FROM OLD.hash
        OR NEW.version IS DISTINCT FROM OLD.version OR NEW.portal_id IS DISTINCT FROM OLD.portal_id THEN
        RAISE EXCEPTION 'policy version % is immutable: save a new version instead', OLD.id USING ERRCODE = 'restrict_violation';
      END IF;
      RETURN NEW;
    END $$`);
  await knex.raw(`CREATE TRIGGER policy_versions_immutable BEFORE UPDATE OF document, source, hash, version, portal_id ON policy_versions
    FOR EACH ROW EXECUTE FUNCTION refuse_policy_document_change()`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TRIGGER IF EXISTS policy_versions_immutable ON policy_versions');
  await knex.raw('DROP FUNCTION IF EXISTS refuse_policy_document_change()');
  await knex.raw('DROP TRIGGER IF EXISTS policy_versions_config_version_update ON policy_versions');
  await knex.raw('DROP TRIGGER IF EXISTS policy_versions_config_version ON policy_versions');
  await knex.raw('DROP TRIGGER IF EXISTS delegations_config_version ON delegations');
  await knex.raw('DROP FUNCTION IF EXISTS move_owning_portal_config_version()');
  await knex.raw('DROP TRIGGER IF EXISTS portals_config_version ON portals');
  await knex.raw('DROP FUNCTION IF EXISTS move_portal_config_version()');
  await knex.raw('ALTER TABLE portals DROP COLUMN IF EXISTS config_version');
  await knex.raw('DROP SEQUENCE IF EXISTS portal_config_versions');

  // config_changes as 20261127001000 made it, empty: a count that only has to differ from what a process holds.
  await knex.raw(`CREATE TABLE config_changes (
    portal_id bigint NOT NULL,
    id bigserial NOT NULL,
    changed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (portal_id, id)
  )`);
  for (const { table, portalColumn } of OLD_WATCHED) {
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
