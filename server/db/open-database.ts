// Opens the database the configuration names: DATABASE_URL, or an embedded Postgres under ./data/pg.
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { createDb, type Db } from './database.js';
import { startEmbeddedPostgres } from './embedded-postgres.js';

export interface OpenDatabase {
  db: Db;
  /**
   * The job worker's pool, on the same database: its commits do not wait for the disk. Everything a job writes is
   * either the queue's bookkeeping or a record of what the job did, and a job is done only once its finish commits,
   * after all of them; WAL is flushed in order, so a Postgres crash that loses a job's newest writes loses its finish
   * too, and the job runs again, as it does when its worker dies. A claim that must outlive a crash before its act
   * (an email's, a Slack message's) waits for the disk on its own (waitingForDisk). What the service answers a person
   * or HubSpot for (decisions, requests, the webhook inbox) commits through `db` and waits for the disk. Opens no
   * connection until a worker uses it. A worker in the service's own process shares `db` instead (see the option
   * below).
   */
  jobsDb: Db;
  /** The connection URL (secret: it may hold a password). */
  url: string;
  embedded: boolean;
  close: () => Promise<void>;
}

/**
 * `statementTimeoutMs`: the service's and workers' pools have one (DB_STATEMENT_TIMEOUT_MS); one-off commands do not.
 * `jobsShareThePool`: for a worker in the service's process, which shares its event loop. There the worker's commits
 * wait for the disk as the service's do, and the event loop serves requests while they wait, instead of the worker
 * taking it from them (bench/http shows the difference).
 */
export async function openDatabase(config: Config, logger: Logger, options: { statementTimeoutMs?: number; jobsShareThePool?: boolean } = {}): Promise<OpenDatabase> {
  const poolOptions = { poolMax: config.DB_POOL_MAX, logger, ...(options.statementTimeoutMs ? { statementTimeoutMs: options.statementTimeoutMs } : {}) };
  const pools = (url: string) => {
    const db = createDb(url, poolOptions);
    return { db, jobsDb: options.jobsShareThePool ? db : createDb(url, { ...poolOptions, applicationName: 'approval-router jobs', waitForDisk: false }) };
  };
  const closePools = async ({ db, jobsDb }: ReturnType<typeof pools>) => { await Promise.all([db.destroy(), ...(jobsDb === db ? [] : [jobsDb.destroy()])]); };
  if (config.DATABASE_URL) {
    const opened = pools(config.DATABASE_URL);
    return { ...opened, url: config.DATABASE_URL, embedded: false, close: () => closePools(opened) };
  }
  const embedded = await startEmbeddedPostgres({
    dataDir: config.EMBEDDED_PG_DATA_DIR,
    port: config.EMBEDDED_PG_PORT,
    database: 'approval_router',
    logger,
  });
  const opened = pools(embedded.url);
  return {
    ...opened,
    url: embedded.url,
    embedded: true,
    close: async () => {
      await closePools(opened).catch(() => undefined);
      await embedded.stop();
    },
  };
}
