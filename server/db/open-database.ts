// Opens the database the configuration names: DATABASE_URL, or an embedded Postgres under ./data/pg.
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { createDb, type Db } from './database.js';
import { startEmbeddedPostgres } from './embedded-postgres.js';

export interface OpenDatabase {
  db: Db;
  embedded: boolean;
  close: () => Promise<void>;
}

export async function openDatabase(config: Config, logger: Logger): Promise<OpenDatabase> {
  if (config.DATABASE_URL) {
    const db = createDb(config.DATABASE_URL, { poolMax: config.DB_POOL_MAX, logger });
    return { db, embedded: false, close: () => db.destroy() };
  }
  const embedded = await startEmbeddedPostgres({
    dataDir: config.EMBEDDED_PG_DATA_DIR,
    port: config.EMBEDDED_PG_PORT,
    database: 'approval_router',
    logger,
  });
  const db = createDb(embedded.url, { poolMax: config.DB_POOL_MAX, logger });
  return {
    db,
    embedded: true,
    close: async () => {
      await db.destroy().catch(() => undefined);
      await embedded.stop();
    },
  };
}
