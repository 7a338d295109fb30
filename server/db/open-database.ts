// Opens the database the configuration names: DATABASE_URL, or an embedded Postgres under ./data/pg.
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { createDb, type Db } from './database.js';
import { startEmbeddedPostgres } from './embedded-postgres.js';

export interface OpenDatabase {
  db: Db;
  /** The connection URL (secret: it may hold a password). */
  url: string;
  embedded: boolean;
  close: () => Promise<void>;
}

/** `statementTimeoutMs`: the service's and workers' pool has one (DB_STATEMENT_TIMEOUT_MS); one-off commands do not. */
export async function openDatabase(config: Config, logger: Logger, options: { statementTimeoutMs?: number } = {}): Promise<OpenDatabase> {
  const poolOptions = { poolMax: config.DB_POOL_MAX, logger, ...options };
  if (config.DATABASE_URL) {
    const db = createDb(config.DATABASE_URL, poolOptions);
    return { db, url: config.DATABASE_URL, embedded: false, close: () => db.destroy() };
  }
  const embedded = await startEmbeddedPostgres({
    dataDir: config.EMBEDDED_PG_DATA_DIR,
    port: config.EMBEDDED_PG_PORT,
    database: 'approval_router',
    logger,
  });
  const db = createDb(embedded.url, poolOptions);
  return {
    db,
    url: embedded.url,
    embedded: true,
    close: async () => {
      await db.destroy().catch(() => undefined);
      await embedded.stop();
    },
  };
}
