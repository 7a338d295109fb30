// The knex handle and the migrator: one pool per process, forward migrations from migrations/.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import knexFactory, { type Knex } from 'knex';
import type { Logger } from 'pino';

export type Db = Knex;

const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../migrations');

interface KnexLog { warn: (message: unknown) => void; error: (message: unknown) => void }

export function createDb(url: string, options: { poolMax?: number; applicationName?: string; logger?: Pick<Logger, 'warn' | 'error'> } = {}): Db {
  const log = options.logger;
  // knex writes to the console by default; route its warnings through our logger (or drop them in tests).
  const knexLog: KnexLog = {
    warn: (message) => log?.warn({ knex: describe(message) }, 'knex warning'),
    error: (message) => log?.error({ knex: describe(message) }, 'knex error'),
  };
  // Pipelined connections (node-postgres's `pipeline`): a statement goes to Postgres when it is issued, not when the
  // one before it on the connection has been answered. knex still awaits one statement at a time; where a
  // transaction has several to send whose answers it need not see in between, `pipelinedTransaction` (prepared.ts)
  // sends them together, and the locks they hold are released that many round trips sooner.
  return knexFactory({
    log: { ...knexLog, debug: () => undefined, deprecate: (method: string, alternative: string) => log?.warn({ method, alternative }, 'knex deprecation') },
    client: 'pg',
    connection: { connectionString: url, application_name: options.applicationName ?? 'approval-router', connectionTimeoutMillis: 5_000, pipeline: true } as Knex.PgConnectionConfig, // knex's types predate `pipeline`
    pool: { min: 0, max: options.poolMax ?? 10, acquireTimeoutMillis: 5_000 },
    acquireConnectionTimeout: 5_000,
  });
}

export const migrationConfig: Knex.MigratorConfig = {
  directory: MIGRATIONS_DIR,
  loadExtensions: ['.ts'],
  tableName: 'knex_migrations',
};

export async function migrateToLatest(db: Db): Promise<string[]> {
  const [, applied] = (await db.migrate.latest(migrationConfig)) as [number, string[]];
  return applied;
}

export async function rollbackAll(db: Db): Promise<string[]> {
  const [, reverted] = (await db.migrate.rollback(migrationConfig, true)) as [number, string[]];
  return reverted;
}

/** Is the database reachable now? Used by /readyz; never throws. */
export async function checkDatabase(db: Db, timeoutMs = 2_000): Promise<{ ok: true } | { ok: false; reason: string }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      db.raw('SELECT 1'),
      new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs); }),
    ]);
    return { ok: true };
  } catch (error) {
    return { ok: false, reason: describeDbError(error) };
  } finally {
    clearTimeout(timer);
  }
}

/** A short, secret-free description of a connection failure. */
export function describeDbError(error: unknown): string {
  const code = (error as { code?: string }).code;
  if (code === 'ECONNREFUSED') return 'database refused the connection';
  if (code === '57P03' || code === '57P01') return 'database is starting up or shutting down';
  if (error instanceof Error && /timeout|no answer/i.test(error.message)) return 'database did not answer in time';
  return 'database unreachable';
}

function describe(message: unknown): string {
  return message instanceof Error ? message.message : String(message);
}
