// A repeated call gets the first answer byte for byte: the answer is kept as the text that was sent, not as jsonb,
// which reorders keys.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE idempotency_keys ALTER COLUMN response TYPE text USING response::text');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE idempotency_keys ALTER COLUMN response TYPE jsonb USING response::jsonb');
}
