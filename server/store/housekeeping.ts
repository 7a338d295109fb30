// Turns at housekeeping that must run once across all workers rather than once in each: a worker takes a task's
// turn by moving its start time forward, which only one claimant can do while the last turn is recent.
import type { Knex } from 'knex';

export interface HousekeepingClaim {
  workerId: string;
  /** The service's clock (ISO), never the database's. */
  now: string;
  /** How long after a turn's start the next may begin. */
  everySeconds: number;
}

/**
 * Takes the task's turn when none started within `everySeconds` before `now`, or when the last one starts more than
 * that after it (a clock set back); answers whether this worker has it. Concurrent claimants wait on the row, so
 * exactly one of them gets the turn.
 */
export async function takeHousekeepingTurn(db: Knex, task: string, claim: HousekeepingClaim): Promise<boolean> {
  const { rows } = await db.raw<{ rows: unknown[] }>(
    `INSERT INTO housekeeping_turns AS t (task, started_at, worker_id) VALUES (?, ?::timestamptz, ?)
     ON CONFLICT (task) DO UPDATE SET started_at = EXCLUDED.started_at, worker_id = EXCLUDED.worker_id
     WHERE t.started_at <= EXCLUDED.started_at - make_interval(secs => ?)
        OR t.started_at > EXCLUDED.started_at + make_interval(secs => ?)
     RETURNING task`,
    [task, claim.now, claim.workerId, claim.everySeconds, claim.everySeconds],
  );
  return rows.length > 0;
}
