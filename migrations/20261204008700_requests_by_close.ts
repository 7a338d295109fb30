// A period's figures (the scorecard page and its report, and the targets judged every 15 minutes) count the requests
// alive in it: open, or closed since it began (store/period-requests.ts). No index served that read, so it went
// through every portal's requests of every year. This index finds a portal's open requests and those closed since a
// given time. Built CONCURRENTLY, outside a transaction, as every request and decision writes this table.
import type { Knex } from 'knex';

export const config = { transaction: false };

export async function up(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX CONCURRENTLY IF EXISTS approval_requests_by_close');
  await knex.raw('CREATE INDEX CONCURRENTLY approval_requests_by_close ON approval_requests (portal_id, closed_at)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX CONCURRENTLY IF EXISTS approval_requests_by_close');
}
