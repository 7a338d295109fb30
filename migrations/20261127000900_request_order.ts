// Requests get a monotonic sequence: two requests on one deal in the same millisecond (a withdraw and a new
// request, or a frozen test clock) must still have a definite "latest", which created_at and a random uuid cannot give.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE approval_requests ADD COLUMN seq bigserial');
  await knex.raw('CREATE INDEX approval_requests_latest ON approval_requests (portal_id, deal_id, created_at DESC, seq DESC)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS approval_requests_latest');
  await knex.raw('ALTER TABLE approval_requests DROP COLUMN seq');
}
