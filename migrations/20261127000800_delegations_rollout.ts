// Delegations (dated away windows) and staged policy rollout: a candidate version per portal, the disagreements
// its shadow evaluations found, evaluation errors for posture, and when a version proved stable or was rolled back.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('delegations', (table) => {
    table.uuid('id').primary();
    table.bigInteger('portal_id').notNullable().references('portals.id').onDelete('CASCADE');
    table.text('from_email').notNullable();
    table.text('to_email').notNullable();
    table.timestamp('starts_at', { useTz: true }).notNullable();
    table.timestamp('ends_at', { useTz: true }).notNullable();
    table.text('created_by').notNullable();
    table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.timestamp('revoked_at', { useTz: true });
    table.text('revoked_by');
  });
  await knex.raw(`ALTER TABLE delegations ADD CONSTRAINT delegations_window_check CHECK (ends_at > starts_at)`);
  await knex.raw(`ALTER TABLE delegations ADD CONSTRAINT delegations_not_self_check CHECK (from_email <> to_email)`);
  // Every evaluation reads the portal's live delegations: the ones not revoked, by end.
  await knex.raw(`CREATE INDEX delegations_live ON delegations (portal_id, ends_at) WHERE revoked_at IS NULL`);

  await knex.schema.alterTable('policy_versions', (table) => {
    table.boolean('is_candidate').notNullable().defaultTo(false);
    table.text('staged_by');
    table.timestamp('staged_at', { useTz: true });
    /** The last time posture found this version healthy after its probation: a rollback target. */
    table.timestamp('stable_at', { useTz: true });
    table.timestamp('rolled_back_at', { useTz: true });
    table.text('rolled_back_reason');
  });
  await knex.raw('CREATE UNIQUE INDEX policy_versions_one_candidate ON policy_versions (portal_id) WHERE is_candidate');
  await knex.raw('CREATE INDEX policy_versions_rolled_back ON policy_versions (portal_id, rolled_back_at) WHERE rolled_back_at IS NOT NULL');
  // The versions already in force before this migration have been running: they are the stable ones to return to.
  await knex.raw('UPDATE policy_versions SET stable_at = COALESCE(activated_at, created_at) WHERE is_active');

  await knex.schema.createTable('policy_disagreements', (table) => {
    table.bigIncrements('id').primary();
    table.bigInteger('portal_id').notNullable().references('portals.id').onDelete('CASCADE');
    table.bigInteger('candidate_version_id').notNullable().references('policy_versions.id').onDelete('CASCADE');
    table.bigInteger('active_version_id').notNullable().references('policy_versions.id').onDelete('CASCADE');
    table.text('deal_id').notNullable();
    table.specificType('kinds', 'text[]').notNullable(); // route, approvers, score, error
    table.jsonb('before').notNullable(); // the active version's score, route and approvers
    table.jsonb('after').notNullable(); // the candidate's
    table.text('source').notNullable(); // card or request
    table.text('fingerprint').notNullable(); // the same disagreement seen again only counts up `seen`
    table.integer('seen').notNullable().defaultTo(1);
    table.timestamp('first_at', { useTz: true }).notNullable();
    table.timestamp('last_at', { useTz: true }).notNullable();
    table.unique(['portal_id', 'candidate_version_id', 'deal_id', 'fingerprint']);
    table.index(['portal_id', 'candidate_version_id', 'last_at']);
  });

  await knex.schema.createTable('evaluation_errors', (table) => {
    table.bigIncrements('id').primary();
    table.bigInteger('portal_id').notNullable().references('portals.id').onDelete('CASCADE');
    table.bigInteger('policy_version_id').references('policy_versions.id').onDelete('CASCADE');
    table.text('deal_id');
    table.text('source').notNullable();
    table.text('message').notNullable();
    table.timestamp('occurred_at', { useTz: true }).notNullable();
    table.index(['portal_id', 'occurred_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('evaluation_errors');
  await knex.schema.dropTableIfExists('policy_disagreements');
  await knex.raw('DROP INDEX IF EXISTS policy_versions_rolled_back');
  await knex.raw('DROP INDEX IF EXISTS policy_versions_one_candidate');
  await knex.schema.alterTable('policy_versions', (table) => {
    for (const column of ['is_candidate', 'staged_by', 'staged_at', 'stable_at', 'rolled_back_at', 'rolled_back_reason']) table.dropColumn(column);
  });
  await knex.schema.dropTableIfExists('delegations');
}
