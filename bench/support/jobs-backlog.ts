// The jobs behind the answers (outbox, webhook processing) as a benchmark sees them: what is left, and how long the
// workers take to finish it. A run that starts with another phase's jobs still queued measures that phase too.
import type { Knex } from 'knex';

export interface Backlog {
  /** No job due or running and no webhook event waiting. */
  done: boolean;
  text: string;
}

/** What is left to do. Due is by this driver's clock, as the service decides by its own. */
export async function jobsBacklog(db: Knex): Promise<Backlog> {
  const { rows } = await db.raw<{ rows: { kind: string; state: string; n: number }[] }>(`SELECT kind, state, count(*)::int AS n FROM jobs
    WHERE (state = 'queued' AND run_at <= ?) OR state IN ('running', 'dead') GROUP BY kind, state ORDER BY kind, state`, [new Date()]);
  const unprocessed = Number((await db('webhook_events').whereNull('processed_at').count())[0]?.count);
  const waiting = rows.filter((row) => row.state !== 'dead');
  const dead = rows.filter((row) => row.state === 'dead').reduce((sum, row) => sum + row.n, 0);
  const text = `${waiting.length === 0 ? 'no job due or running' : waiting.map((row) => `${row.n} ${row.kind} ${row.state}`).join(', ')}; webhook events not processed: ${unprocessed}; dead jobs: ${dead}`;
  return { done: waiting.length === 0 && unprocessed === 0, text };
}

export interface Drained {
  left: Backlog;
  seconds: number;
  limitMs: number;
}

/** Waits, up to `limitMs` (two minutes), until nothing is left; says what was left and how long it waited. */
export async function drainJobs(db: Knex, limitMs = 120_000): Promise<Drained> {
  const start = performance.now();
  let left = await jobsBacklog(db);
  while (!left.done && performance.now() - start < limitMs) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    left = await jobsBacklog(db);
  }
  return { left, seconds: (performance.now() - start) / 1000, limitMs };
}

/** The line a benchmark prints about the jobs its setup queued. */
export function setupDrainedLine(drained: Drained): string {
  return `the crowd's own jobs ${drained.left.done ? `drained in ${drained.seconds.toFixed(1)} s` : `NOT drained in ${drained.limitMs / 1000} s: ${drained.left.text}`}`;
}
