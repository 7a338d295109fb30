// What Postgres was doing during a run, for SOAK_DIAGNOSE=1: what its client backends waited on (sampled every
// 50 ms), how often they flushed the WAL to disk and for how long (pg_stat_io, once a second), and which tables took
// the rows written. Slow seconds under an open loop are a queue somewhere; this says whether it is the disk's.
import pg from 'pg';

interface IoReading { fsyncs: number; fsyncMs: number }

const WAL_IO = `SELECT coalesce(sum(fsyncs), 0)::float8 AS fsyncs, coalesce(sum(fsync_time), 0)::float8 AS "fsyncMs"
  FROM pg_stat_io WHERE object = 'wal' AND backend_type = 'client backend'`;
const TABLE_WRITES = `SELECT relname, (n_tup_ins + n_tup_upd + n_tup_del)::float8 AS rows FROM pg_stat_user_tables`;
const WAITS = `SELECT coalesce(wait_event_type || ':' || wait_event, 'CPU') AS wait FROM pg_stat_activity
  WHERE backend_type = 'client backend' AND state = 'active' AND pid <> pg_backend_pid()`;

export interface PgActivity {
  /** Stops sampling and describes the run in a few lines. */
  stop: () => Promise<string>;
}

/**
 * Has the bench's scratch database time its WAL flushes (fsync_time stays 0 otherwise): only connections opened
 * afterwards take it, so call it before the processes start. Needs a superuser, as the bench's own Postgres has.
 */
export async function timeWalFlushes(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET track_wal_io_timing = on', current_database()); END $$`);
  } finally {
    await client.end();
  }
}

export async function samplePgActivity(url: string): Promise<PgActivity> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const io = async (): Promise<IoReading> => (await client.query<IoReading>(WAL_IO)).rows[0]!;
  const tables = async () => new Map((await client.query<{ relname: string; rows: number }>(TABLE_WRITES)).rows.map((r) => [r.relname, r.rows]));

  const tablesAtStart = await tables();
  const perSecond: IoReading[] = [];
  const waits = new Map<string, number>();
  let samples = 0;
  let last = await io();
  let running = true;
  let busy: Promise<void> = Promise.resolve();
  const started = performance.now();
  const loop = (async () => {
    let nextSecond = started + 1000;
    while (running) {
      busy = (async () => {
        for (const { wait } of (await client.query<{ wait: string }>(WAITS)).rows) waits.set(wait, (waits.get(wait) ?? 0) + 1);
        samples += 1;
        if (performance.now() >= nextSecond) {
          nextSecond += 1000;
          const now = await io();
          perSecond.push({ fsyncs: now.fsyncs - last.fsyncs, fsyncMs: now.fsyncMs - last.fsyncMs });
          last = now;
        }
      })();
      await busy;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();

  return {
    stop: async () => {
      running = false;
      await loop;
      const tablesAtEnd = await tables();
      await client.end();
      const seconds = (performance.now() - started) / 1000;
      const fsyncs = perSecond.map((s) => s.fsyncs);
      const fsyncMs = perSecond.map((s) => s.fsyncMs);
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
      const written = [...tablesAtEnd].map(([name, rows]) => [name, (rows - (tablesAtStart.get(name) ?? 0)) / seconds] as const)
        .filter(([, rate]) => rate >= 0.5).sort((a, b) => b[1] - a[1]);
      const waitText = [...waits].sort((a, b) => b[1] - a[1]).slice(0, 6).map(([wait, n]) => `${wait} ${(n / samples).toFixed(2)}`).join(', ');
      return [
        `postgres: client WAL fsyncs ${mean(fsyncs).toFixed(0)}/s (max ${Math.max(0, ...fsyncs)}), ${mean(fsyncMs).toFixed(0)} ms of fsync a second (max ${Math.max(0, ...fsyncMs).toFixed(0)}), ${fsyncs.length ? (mean(fsyncMs) / Math.max(1, mean(fsyncs))).toFixed(2) : '-'} ms a flush`,
        `postgres: active client backends by wait, mean over ${samples} samples: ${waitText || 'none'}`,
        `postgres: rows written a second by table: ${written.map(([name, rate]) => `${name} ${rate.toFixed(0)}`).join(', ') || 'none'}`,
      ].join('\n');
    },
  };
}
