// Due jobs are found through one index per claim: syncs (claimed a portal's batch at a time) and the rest. With one
// index for both, a sync claim walked past every due webhook job queued ahead of it (thousands under a burst of
// webhooks), and the claim of other jobs past every due sync. Finished jobs get an index to be pruned by.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX jobs_due');
  await knex.raw(`CREATE INDEX jobs_due_sync ON jobs (run_at, id) WHERE state = 'queued' AND kind = 'sync_deal'`);
  await knex.raw(`CREATE INDEX jobs_due_other ON jobs (run_at, id) WHERE state = 'queued' AND kind <> 'sync_deal'`);
  // Finished jobs are pruned oldest first (pruneFinishedJobs).
  await knex.raw(`CREATE INDEX jobs_finished ON jobs (finished_at) WHERE state = 'done'`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX jobs_finished');
  await knex.raw('DROP INDEX jobs_due_other');
  await knex.raw('DROP INDEX jobs_due_sync');
  await knex.raw(`CREATE INDEX jobs_due ON jobs (run_at, id) WHERE state = 'queued'`);
}
