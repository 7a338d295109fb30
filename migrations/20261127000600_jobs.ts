// Durable jobs on our own table, claimed with FOR UPDATE SKIP LOCKED: the outbox of HubSpot writes, SLA timers,
// and webhook processing. A job is enqueued in the same transaction as the change that causes it.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('jobs', (table) => {
    table.bigIncrements('id').primary();
    table.bigInteger('portal_id').notNullable();
    table.text('kind').notNullable();
    /** Jobs with the same (portal, kind, key) coalesce while queued: the newest payload wins. */
    table.text('key').notNullable();
    table.jsonb('payload').notNullable();
    table.text('state').notNullable().defaultTo('queued');
    table.timestamp('run_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.integer('attempts').notNullable().defaultTo(0);
    table.text('last_error');
    table.text('locked_by');
    table.timestamp('locked_until', { useTz: true });
    table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.timestamp('finished_at', { useTz: true });
  });
  await knex.raw(`ALTER TABLE jobs ADD CONSTRAINT jobs_state_check CHECK (state IN ('queued', 'running', 'done', 'dead'))`);
  await knex.raw(`CREATE UNIQUE INDEX jobs_one_queued ON jobs (portal_id, kind, key) WHERE state = 'queued'`);
  await knex.raw(`CREATE INDEX jobs_due ON jobs (run_at, id) WHERE state = 'queued'`);
  await knex.raw(`CREATE INDEX jobs_running ON jobs (locked_until) WHERE state = 'running'`);

  // Per-portal budgets shared by every worker process: a token bucket for HubSpot's rate limit and a daily count.
  await knex.schema.createTable('portal_budgets', (table) => {
    table.bigInteger('portal_id').primary();
    table.double('tokens').notNullable();
    table.timestamp('refilled_at', { useTz: true }).notNullable();
    table.date('day').notNullable();
    table.integer('day_calls').notNullable().defaultTo(0);
    table.timestamp('blocked_until', { useTz: true });
  });

  // What we last wrote to each deal property, so a webhook echoing our own write is recognised, and a repeated
  // sync with the same values writes nothing.
  await knex.schema.createTable('synced_properties', (table) => {
    table.bigInteger('portal_id').notNullable();
    table.text('deal_id').notNullable();
    table.jsonb('properties').notNullable();
    table.text('fingerprint').notNullable();
    /** `writing` before the CRM call, `written` after: a job reclaimed after a crash reads the deal back instead of writing twice. */
    table.text('state').notNullable();
    table.uuid('request_id').notNullable();
    table.integer('version').notNullable();
    table.timestamp('synced_at', { useTz: true }).notNullable();
    table.primary(['portal_id', 'deal_id']);
  });

  await knex.schema.createTable('incidents', (table) => {
    table.bigIncrements('id').primary();
    table.bigInteger('portal_id').notNullable();
    table.text('kind').notNullable();
    table.uuid('request_id');
    table.text('deal_id');
    table.text('summary').notNullable();
    table.jsonb('packet').notNullable();
    table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.index(['portal_id', 'created_at']);
  });

  await knex.schema.createTable('local_tasks', (table) => {
    table.bigIncrements('id').primary();
    table.bigInteger('portal_id').notNullable().references('portals.id').onDelete('CASCADE');
    table.text('deal_id').notNullable();
    table.text('subject').notNullable();
    table.text('body').notNullable();
    table.timestamp('due_at', { useTz: true }).notNullable();
    table.text('owner_id');
    table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const name of ['local_tasks', 'incidents', 'synced_properties', 'portal_budgets', 'jobs']) await knex.schema.dropTableIfExists(name);
}
