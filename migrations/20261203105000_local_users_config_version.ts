// The demo portal's people (local_users) are part of its configuration as the card reads it: the card keeps the
// demo directory with the portal's configuration copy, so a write to them moves the portal's config_version, as a
// write to its delegations or policy versions does (migrations/20261203102000).
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`CREATE TRIGGER local_users_config_version AFTER INSERT OR UPDATE OR DELETE ON local_users
    FOR EACH ROW EXECUTE FUNCTION move_owning_portal_config_version()`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TRIGGER IF EXISTS local_users_config_version ON local_users');
}
