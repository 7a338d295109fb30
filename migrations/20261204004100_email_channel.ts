// The email channel: what was sent to whom (so a retried job never sends twice) and which one-click links were used
// (so a link decides once). A link names its ballot: one approver's say on one step of one request.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('email_sends', (table) => {
    table.bigInteger('portal_id').notNullable();
    table.uuid('request_id').notNullable();
    table.integer('step_index').notNullable();
    table.text('approver_email').notNullable();
    /** The id both links of the message carry: their use is recorded under it. */
    table.text('link_id').notNullable().unique();
    /** The request's row version when its step started, which the links are bound to. */
    table.integer('row_version').notNullable();
    /** `sending` from just before the SMTP call to just after it; `uncertain` when a worker died in between. */
    table.text('state').notNullable();
    table.text('message_id').notNullable();
    table.timestamp('claimed_at', { useTz: true }).notNullable();
    table.timestamp('sent_at', { useTz: true });
    table.timestamp('links_expire_at', { useTz: true }).notNullable();
    table.primary(['portal_id', 'request_id', 'step_index', 'approver_email']);
  });
  await knex.raw(`ALTER TABLE email_sends ADD CONSTRAINT email_sends_state_check CHECK (state IN ('sending', 'sent', 'uncertain'))`);

  await knex.schema.createTable('email_link_uses', (table) => {
    table.text('link_id').primary();
    table.bigInteger('portal_id').notNullable();
    table.uuid('request_id').notNullable();
    table.integer('step_index').notNullable();
    table.text('approver_email').notNullable();
    table.text('verdict').notNullable();
    table.timestamp('used_at', { useTz: true }).notNullable();
    table.index(['portal_id', 'request_id']);
  });
  await knex.raw(`ALTER TABLE email_link_uses ADD CONSTRAINT email_link_uses_verdict_check CHECK (verdict IN ('approve', 'reject'))`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('email_link_uses');
  await knex.schema.dropTableIfExists('email_sends');
}
