// HubSpot OAuth tokens, one row per installed portal, encrypted at rest (AES-256-GCM; the key id sits beside the
// ciphertext so keys can rotate), and the install `state` nonces already used, so a callback cannot be replayed.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('hubspot_tokens', (table) => {
    table.bigInteger('portal_id').primary().references('portals.id').onDelete('CASCADE');
    table.text('key_id').notNullable(); // which TOKEN_ENCRYPTION_KEYS entry sealed both ciphertexts
    table.binary('access_token_ciphertext').notNullable(); // iv | auth tag | ciphertext
    table.binary('refresh_token_ciphertext').notNullable();
    table.timestamp('expires_at', { useTz: true }).notNullable();
    table.specificType('scopes', 'text[]').notNullable().defaultTo('{}');
    table.text('hub_domain');
    table.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('oauth_state_nonces', (table) => {
    table.text('nonce').primary();
    table.timestamp('expires_at', { useTz: true }).notNullable(); // rows past this can go: the state has expired anyway
    table.timestamp('used_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('oauth_state_nonces');
  await knex.schema.dropTableIfExists('hubspot_tokens');
}
