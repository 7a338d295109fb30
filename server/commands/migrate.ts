// `approval-router migrate [up|down|status]`: apply, revert or list the knex migrations.
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { migrateToLatest, migrationConfig, rollbackAll } from '../db/database.js';
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
      const [done, pending] = (await database.db.migrate.list(migrationConfig)) as [{ name: string }[], { file: string }[]];
      for (const m of done) console.log(`applied  ${m.name}`);
      for (const m of pending) console.log(`pending  ${m.file}`);
    }
    return 0;
  } finally {
    await database.close();
  }
}
