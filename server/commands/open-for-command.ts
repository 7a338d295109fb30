// Shared start for commands that work on the database: config, a quiet logger, the database, migrated.
import { loadConfig } from '../config.js';
import { migrateToLatest } from '../db/database.js';
import { openDatabase, type OpenDatabase } from '../db/open-database.js';
import { createLogger } from '../logger.js';

export async function openForCommand(): Promise<OpenDatabase> {
  const config = loadConfig();
  const logger = createLogger({ level: config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL });
  const database = await openDatabase(config, logger);
  await migrateToLatest(database.db);
  return database;
}
