// Posture reads each portal's failed syncs every minute (store/jobs.ts syncFailures): the dead ones, and the ones
// retrying. Without an index that read went through the whole jobs table, every portal's jobs and a week of finished
// ones kept for their retention, once per portal per minute. This index holds those failures only, which are few.
// It is built without blocking the jobs table (CONCURRENTLY, so outside a transaction): every decision enqueues
// jobs, and a plain build would hold them all until it ends. A build that failed leaves an invalid index, dropped first.
import type { Knex } from 'knex';

export const config = { transaction: false };

export async function up(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX CONCURRENTLY IF EXISTS jobs_sync_failures');
  await knex.raw(`CREATE INDEX CONCURRENTLY jobs_sync_failures ON jobs (portal_id, id)
    WHERE kind = 'sync_deal' AND (state = 'dead' OR (state IN ('queued', 'running') AND attempts > 1))`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX CONCURRENTLY IF EXISTS jobs_sync_failures');
}
