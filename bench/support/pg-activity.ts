// What Postgres and the services were doing during a run, for SOAK_DIAGNOSE=1: what Postgres's client backends
// waited on (sampled every 50 ms), how often they flushed the WAL to disk and for how long (pg_stat_io, once a
// second), the WAL written and the checkpoints begun, the seconds autovacuum ran and on which tables, which tables
// took the rows written; and how many requests took the services themselves over a time (their /metrics). Slow
// seconds under an open loop are a queue somewhere; this narrows down whose.
import pg from 'pg';

interface IoReading { fsyncs: number; fsyncMs: number }

const WAL_IO = `SELECT coalesce(sum(fsyncs), 0)::float8 AS fsyncs, coalesce(sum(fsync_time), 0)::float8 AS "fsyncMs"
  FROM pg_stat_io WHERE object = 'wal' AND backend_type = 'client backend'`;
interface WalReading { bytes: number; fpi: number; timed: number; requested: number }
// The checkpointer's counts are in pg_stat_checkpointer from Postgres 17 on.
const WAL_TOTALS = `SELECT w.wal_bytes::float8 AS bytes, w.wal_fpi::float8 AS fpi, c.num_timed::float8 AS timed,
  c.num_requested::float8 AS requested FROM pg_stat_wal w, pg_stat_checkpointer c`;
const TABLE_WRITES = `SELECT relname, (n_tup_ins + n_tup_upd + n_tup_del)::float8 AS rows,
  (autovacuum_count + autoanalyze_count)::float8 AS autovacuums FROM pg_stat_user_tables`;
const AUTOVACUUMS = `SELECT count(*)::int AS n FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'`;
const WAITS = `SELECT coalesce(wait_event_type || ':' || wait_event, 'CPU') AS wait FROM pg_stat_activity
  WHERE backend_type = 'client backend' AND state = 'active' AND pid <> pg_backend_pid()`;

export interface PgActivity {
  /** Stops sampling and describes the run in a few lines. */
  stop: () => Promise<string>;
}

/**
 * Has the bench's scratch database time its WAL flushes (fsync_time stays 0 otherwise): only connections opened
 * afterwards take it, so call it before the processes start. Needs a superuser, as the bench's own Postgres has, and
 * Postgres 17 or later (pg_stat_io and pg_stat_checkpointer), as the embedded one is: an older one is refused here,
 * before the run, rather than failing the sampler after the warm-up.
 */
export async function timeWalFlushes(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { server_version_num: version, server_version: name } = (await client.query<{ server_version_num: string; server_version: string }>(
      `SELECT current_setting('server_version_num') AS server_version_num, current_setting('server_version') AS server_version`)).rows[0]!;
    if (Number(version) < 170000) throw new Error(`SOAK_DIAGNOSE=1 reads pg_stat_io and pg_stat_checkpointer, which need Postgres 17 or later; this one is ${name}`);
    await client.query(`DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET track_wal_io_timing = on', current_database()); END $$`);
  } finally {
    await client.end();
  }
}

export async function samplePgActivity(url: string): Promise<PgActivity> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const io = async (): Promise<IoReading> => (await client.query<IoReading>(WAL_IO)).rows[0]!;
  const tables = async () => new Map((await client.query<{ relname: string; rows: number; autovacuums: number }>(TABLE_WRITES)).rows.map((r) => [r.relname, r]));

  const tablesAtStart = await tables();
  const wal = async () => (await client.query<WalReading>(WAL_TOTALS)).rows[0]!;
  const walAtStart = await wal();
  const perSecond: IoReading[] = [];
  const waits = new Map<string, number>();
  let samples = 0;
  const autovacuumSeconds = new Set<number>();
  let last = await io();
  let running = true;
  const started = performance.now();
  const loop = (async () => {
    let nextSecond = started + 1000;
    while (running) {
      for (const { wait } of (await client.query<{ wait: string }>(WAITS)).rows) waits.set(wait, (waits.get(wait) ?? 0) + 1);
      const vacuuming = (await client.query<{ n: number }>(AUTOVACUUMS)).rows[0]!.n;
      if (vacuuming > 0) autovacuumSeconds.add(Math.floor((performance.now() - started) / 1000));
      samples += 1;
      if (performance.now() >= nextSecond) {
        nextSecond += 1000;
        const now = await io();
        perSecond.push({ fsyncs: now.fsyncs - last.fsyncs, fsyncMs: now.fsyncMs - last.fsyncMs });
        last = now;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();

  return {
    stop: async () => {
      running = false;
      await loop;
      const tablesAtEnd = await tables();
      const walAtEnd = await wal();
      await client.end();
      const seconds = (performance.now() - started) / 1000;
      const fsyncs = perSecond.map((s) => s.fsyncs);
      const fsyncMs = perSecond.map((s) => s.fsyncMs);
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
      const written = [...tablesAtEnd].map(([name, { rows }]) => [name, (rows - (tablesAtStart.get(name)?.rows ?? 0)) / seconds] as const)
        .filter(([, rate]) => rate >= 0.5).sort((a, b) => b[1] - a[1]);
      const vacuumed = [...tablesAtEnd].map(([name, { autovacuums }]) => [name, autovacuums - (tablesAtStart.get(name)?.autovacuums ?? 0)] as const)
        .filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]);
      const vacuumSeconds = [...autovacuumSeconds].sort((a, b) => a - b);
      const waitText = [...waits].sort((a, b) => b[1] - a[1]).slice(0, 6).map(([wait, n]) => `${wait} ${(n / samples).toFixed(2)}`).join(', ');
      return [
        `postgres: client WAL fsyncs ${mean(fsyncs).toFixed(0)}/s (max ${Math.max(0, ...fsyncs)}), ${mean(fsyncMs).toFixed(0)} ms of fsync a second (max ${Math.max(0, ...fsyncMs).toFixed(0)}), ${fsyncs.length ? (mean(fsyncMs) / Math.max(1, mean(fsyncs))).toFixed(2) : '-'} ms a flush`,
        `postgres: active client backends by wait, mean over ${samples} samples: ${waitText || 'none'}`,
        `postgres: WAL written ${((walAtEnd.bytes - walAtStart.bytes) / seconds / 1048576).toFixed(1)} MiB a second with ${((walAtEnd.fpi - walAtStart.fpi) / seconds).toFixed(0)} full-page images a second; checkpoints begun: ${walAtEnd.timed - walAtStart.timed} on schedule, ${walAtEnd.requested - walAtStart.requested} because the WAL outgrew max_wal_size or on request`,
        `postgres: autovacuum ran in ${vacuumSeconds.length} of the run's seconds${vacuumSeconds.length ? ` (${vacuumSeconds.join(', ')})` : ''}; vacuums and analyzes by table: ${vacuumed.map(([name, n]) => `${name} ${n}`).join(', ') || 'none'}`,
        `postgres: rows written a second by table: ${written.map(([name, rate]) => `${name} ${rate.toFixed(0)}`).join(', ') || 'none'}`,
      ].join('\n');
    },
  };
}

/** Each service's count of requests by route and by whether they took over `ms` by its own clock (from /metrics). */
export async function serviceDurations(bases: readonly string[], ms: number): Promise<Map<string, { all: number; over: number }>> {
  const le = (ms / 1000).toString();
  const counts = new Map<string, { all: number; over: number }>();
  for (const base of bases) {
    const text = await (await fetch(`${base}/metrics`)).text();
    for (const line of text.split('\n')) {
      const match = /^approval_router_http_request_duration_seconds_bucket\{(.*)\} (\d+)$/.exec(line);
      if (!match) continue;
      const labels = Object.fromEntries([...match[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
      const key = `${labels.method} ${labels.route}`;
      const entry = counts.get(key) ?? { all: 0, over: 0 };
      if (labels.le === '+Inf') entry.all += Number(match[2]);
      if (labels.le === le) entry.over -= Number(match[2]);
      counts.set(key, entry);
    }
  }
  for (const entry of counts.values()) entry.over += entry.all;
  return counts;
}

/** The share of each route's requests over `ms` between two readings of serviceDurations, by the services' clocks. */
export function serviceTailText(before: Map<string, { all: number; over: number }>, after: Map<string, { all: number; over: number }>, ms: number): string {
  const rows = [...after].map(([route, { all, over }]) => {
    const was = before.get(route) ?? { all: 0, over: 0 };
    return { route, all: all - was.all, over: over - was.over };
  }).filter((row) => row.all >= 100).sort((a, b) => b.all - a.all);
  return `services' own time, share of requests over ${ms} ms: ${rows.map((row) => `${row.route} ${((100 * row.over) / row.all).toFixed(2)}% of ${row.all}`).join(', ')}`;
}
