// The approval service's tables: policy versions, requests, steps, decisions, idempotency keys, the local demo CRM.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('portals', (table) => {
    table.text('installed_by_email');
    table.text('installed_by_user_id');
  });

  await knex.schema.createTable('policy_versions', (table) => {
    table.bigIncrements('id').primary();
    table.bigInteger('portal_id').notNullable().references('portals.id').onDelete('CASCADE');
    table.integer('version').notNullable();
    table.text('name').notNullable();
    table.text('source').notNullable(); // the YAML or JSON as the admin wrote it
    table.jsonb('document').notNullable(); // the parsed, validated policy
    table.text('hash').notNullable();
    table.text('created_by').notNullable();
    table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.boolean('is_active').notNullable().defaultTo(false);
    table.text('activated_by');
    table.timestamp('activated_at', { useTz: true });
    table.unique(['portal_id', 'version']);
  });
  await knex.raw('CREATE UNIQUE INDEX policy_versions_one_active ON policy_versions (portal_id) WHERE is_active');

  await knex.schema.createTable('approval_requests', (table) => {
    table.uuid('id').primary();
    table.bigInteger('portal_id').notNullable().references('portals.id').onDelete('CASCADE');
    table.text('deal_id').notNullable();
    table.text('requester_email').notNullable();
    table.text('requester_user_id').notNullable();
    table.text('justification').notNullable();
    table.jsonb('deal_snapshot').notNullable();
    table.text('snapshot_hash').notNullable();
    table.integer('score').notNullable();
    table.text('route_id').notNullable();
    table.bigInteger('policy_version_id').notNullable().references('policy_versions.id');
    table.text('state').notNullable();
    table.jsonb('lifecycle').notNullable(); // the core's ApprovalState, the source of truth for transitions
    table.jsonb('evaluation').notNullable(); // score, route and explanation as routed
    table.integer('row_version').notNullable().defaultTo(1);
    table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.timestamp('closed_at', { useTz: true });
    table.index(['portal_id', 'deal_id', 'created_at']);
  });
  await knex.raw(`ALTER TABLE approval_requests ADD CONSTRAINT approval_requests_state_check
    CHECK (state IN ('pending', 'approved', 'rejected', 'withdrawn', 'invalidated', 'auto_approved'))`);
  // At most one open request per deal: a second request while one is pending is a conflict.
  await knex.raw(`CREATE UNIQUE INDEX approval_requests_one_pending ON approval_requests (portal_id, deal_id) WHERE state = 'pending'`);

  await knex.schema.createTable('approval_steps', (table) => {
    table.uuid('request_id').notNullable().references('approval_requests.id').onDelete('CASCADE');
    table.integer('step_index').notNullable();
    table.bigInteger('portal_id').notNullable();
    table.text('step_id').notNullable();
    table.text('mode').notNullable();
    table.integer('quorum');
    table.specificType('approvers', 'text[]').notNullable();
    table.text('status').notNullable();
    table.integer('sla_hours');
    table.timestamp('started_at', { useTz: true });
    table.timestamp('due_at', { useTz: true });
    table.timestamp('completed_at', { useTz: true });
    table.primary(['request_id', 'step_index']);
  });
  await knex.raw('CREATE INDEX approval_steps_waiting ON approval_steps USING gin (approvers) WHERE status = \'active\'');
  await knex.raw('CREATE INDEX approval_steps_portal_active ON approval_steps (portal_id) WHERE status = \'active\'');

  await knex.schema.createTable('decisions', (table) => {
    table.bigIncrements('id').primary();
    table.bigInteger('portal_id').notNullable();
    table.uuid('request_id').notNullable().references('approval_requests.id').onDelete('CASCADE');
    table.integer('step_index').notNullable();
    table.text('approver_email').notNullable();
    table.text('approver_user_id').notNullable();
    table.text('on_behalf_of'); // the approver a delegate decided for
    table.text('verdict').notNullable();
    table.text('comment');
    table.timestamp('decided_at', { useTz: true }).notNullable();
    table.unique(['request_id', 'step_index', 'approver_email']);
  });
  await knex.raw(`ALTER TABLE decisions ADD CONSTRAINT decisions_verdict_check CHECK (verdict IN ('approve', 'reject'))`);

  await knex.schema.createTable('idempotency_keys', (table) => {
    table.bigInteger('portal_id').notNullable();
    table.text('key').notNullable();
    table.text('user_id').notNullable();
    table.text('operation').notNullable();
    table.text('fingerprint').notNullable(); // hash of the operation and its body: a reused key with other content is refused
    table.integer('status');
    table.jsonb('response');
    table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.primary(['portal_id', 'key']);
  });

  // LocalCrm: the demo portal's CRM, kept in Postgres (HubSpot portals use the HubSpot adapter instead).
  await knex.schema.createTable('local_deals', (table) => {
    table.bigInteger('portal_id').notNullable().references('portals.id').onDelete('CASCADE');
    table.text('id').notNullable();
    table.jsonb('properties').notNullable();
    table.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.primary(['portal_id', 'id']);
  });
  await knex.schema.createTable('local_users', (table) => {
    table.bigInteger('portal_id').notNullable().references('portals.id').onDelete('CASCADE');
    table.text('email').notNullable();
    table.text('owner_id');
    table.text('user_id');
    table.text('name');
    table.specificType('teams', 'text[]').notNullable().defaultTo('{}');
    table.text('primary_team');
    table.text('manager_email');
    table.primary(['portal_id', 'email']);
  });
  await knex.schema.createTable('local_notes', (table) => {
    table.bigIncrements('id').primary();
    table.bigInteger('portal_id').notNullable().references('portals.id').onDelete('CASCADE');
    table.text('deal_id').notNullable();
    table.text('body').notNullable();
    table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const name of ['local_notes', 'local_users', 'local_deals', 'idempotency_keys', 'decisions', 'approval_steps', 'approval_requests', 'policy_versions']) {
    await knex.schema.dropTableIfExists(name);
  }
  await knex.schema.alterTable('portals', (table) => {
    table.dropColumn('installed_by_email');
    table.dropColumn('installed_by_user_id');
  });
}
