// Slack, an optional channel per portal: the connection (a bot token and a signing secret, sealed like HubSpot's
// tokens, with the workspace's team id that interactivity requests are matched by), the approvers found in that
// workspace by email, and every message posted, so none is posted twice and each can be updated with the outcome.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('slack_connections', (table) => {
    table.bigInteger('portal_id').primary().references('portals.id').onDelete('CASCADE');
    // Moves on at every connect and disconnect: admin writes name the version they were made against.
    table.integer('version').notNullable().defaultTo(0);
    // All null while disconnected.
    table.text('team_id');
    table.text('team_name');
    table.text('bot_user_id');
    table.text('key_id'); // which TOKEN_ENCRYPTION_KEYS entry sealed both ciphertexts
    table.binary('bot_token_ciphertext'); // iv | auth tag | ciphertext
    table.binary('signing_secret_ciphertext');
    table.text('connected_by');
    table.timestamp('connected_at', { useTz: true });
    table.timestamp('updated_at', { useTz: true }).notNullable();
  });
  // A workspace answers for one portal: its interactivity requests are verified with that portal's secret.
  await knex.raw('CREATE UNIQUE INDEX slack_connections_team ON slack_connections (team_id) WHERE team_id IS NOT NULL');
  await knex.raw(`ALTER TABLE slack_connections ADD CONSTRAINT slack_connections_whole CHECK (
    (team_id IS NULL) = (bot_token_ciphertext IS NULL) AND (team_id IS NULL) = (signing_secret_ciphertext IS NULL) AND (team_id IS NULL) = (key_id IS NULL))`);

  await knex.schema.createTable('slack_users', (table) => {
    table.bigInteger('portal_id').notNullable().references('portals.id').onDelete('CASCADE');
    table.text('team_id').notNullable();
    table.text('email').notNullable(); // normalised
    table.text('slack_user_id'); // null: Slack answered users_not_found
    table.text('dm_channel_id');
    table.timestamp('looked_up_at', { useTz: true }).notNullable(); // the service's clock
    table.primary(['portal_id', 'team_id', 'email']);
    table.index(['portal_id', 'team_id', 'slack_user_id']);
  });

  await knex.schema.createTable('slack_messages', (table) => {
    table.bigInteger('portal_id').notNullable().references('portals.id').onDelete('CASCADE');
    table.uuid('request_id').notNullable().references('approval_requests.id').onDelete('CASCADE');
    table.integer('step_index').notNullable();
    table.text('approver_email').notNullable();
    table.text('team_id').notNullable();
    // posting: claimed before the call, so a retry never posts again; posted: Slack answered with the message.
    table.text('state').notNullable();
    table.text('channel_id');
    table.text('message_ts');
    table.text('rendered_hash'); // what the message shows now: it is updated only when that changes
    table.timestamp('claimed_at', { useTz: true }).notNullable();
    table.timestamp('posted_at', { useTz: true });
    table.timestamp('updated_at', { useTz: true });
    table.primary(['portal_id', 'request_id', 'step_index', 'approver_email']);
  });
  await knex.raw(`ALTER TABLE slack_messages ADD CONSTRAINT slack_messages_state CHECK (
    state IN ('posting', 'posted', 'gone') AND (state = 'posting') = (message_ts IS NULL))`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('slack_messages');
  await knex.schema.dropTableIfExists('slack_users');
  await knex.schema.dropTableIfExists('slack_connections');
}
