// `approval-router migrate [up|down|status]`: apply, revert or list the knex migrations.
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { listMigrations, migrateToLatest, rollbackAll } from '../db/database.js';
import { openDatabase } from '../db/open-database.js';

export async function run(args: string[]): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  const action = positionals[0] ?? 'up';
  if (!['up', 'down', 'status'].includes(action)) {
    console.error(`unknown migrate action "${action}": use up, down or status`);
    return 2;
  }
  const config = loadConfig();
  const logger = createLogger({ level: config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL });
  const database = await openDatabase(config, logger);
  try {
    if (action === 'up') {
      const applied = await migrateToLatest(database.db);
      console.log(applied.length ? `applied: ${applied.join(', ')}` : 'already up to date');
    } else if (action === 'down') {
      const reverted = await rollbackAll(database.db);
      console.log(reverted.length ? `reverted: ${reverted.join(', ')}` : 'nothing to revert');
    } else {
      const { applied, pending } = await listMigrations(database.db);
      for (const name of applied) console.log(`applied  ${name}`);
      for (const name of pending) console.log(`pending  ${name}`);
    }
    return 0;
  } finally {
    await database.close();
  }
}
