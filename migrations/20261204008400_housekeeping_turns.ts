// The minute's housekeeping (posture, prunes, incident follow-ups) runs in one worker at a time, however many share
// the database: a worker runs it only after taking the turn recorded here (store/housekeeping.ts).
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`CREATE TABLE housekeeping_turns (
    task text PRIMARY KEY,
    started_at timestamptz NOT NULL,
    worker_id text NOT NULL
  )`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS housekeeping_turns');
}
