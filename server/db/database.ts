// The knex handle and the migrator: one pool per process, forward migrations from migrations/.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import knexFactory, { type Knex } from 'knex';
import type { Logger } from 'pino';
import { databaseTroubleOf } from './database-errors.js';

/** The handle other layers pass around; only server/store and server/db speak knex (lint keeps it so). */
export type Db = Knex;
/** A transaction a use case opens with `db.transaction(...)` and hands to store functions. */
export type DbTransaction = Knex.Transaction;

const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../migrations');

interface KnexLog { warn: (message: unknown) => void; error: (message: unknown) => void }

export interface DbOptions {
  poolMax?: number;
  applicationName?: string;
  /** Postgres cancels a statement that runs longer (SQLSTATE 57014); unset or 0: no limit. */
  statementTimeoutMs?: number;
  /**
   * false: the pool's commits return before their WAL reaches the disk (synchronous_commit = off, set as each
   * connection opens). For the job worker's pool only: see openDatabase.
   */
  waitForDisk?: boolean;
  logger?: Pick<Logger, 'warn' | 'error'>;
}

export function createDb(url: string, options: DbOptions = {}): Db {
  const log = options.logger;
  // knex writes to the console by default; route its warnings through our logger (or drop them in tests).
  const knexLog: KnexLog = {
    warn: (message) => log?.warn({ knex: describe(message) }, 'knex warning'),
    error: (message) => log?.error({ knex: describe(message) }, 'knex error'),
  };
  return knexFactory({
    log: { ...knexLog, debug: () => undefined, deprecate: (method: string, alternative: string) => log?.warn({ method, alternative }, 'knex deprecation') },
    client: 'pg',
    // The statement timeout and the commit setting go in the startup message: they cost no round trip and hold for
    // every statement.
    connection: {
      connectionString: url, application_name: options.applicationName ?? 'approval-router', connectionTimeoutMillis: 5_000,
      ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}),
      ...(options.waitForDisk === false ? { options: '-c synchronous_commit=off' } : {}),
    },
    pool: { min: 0, max: options.poolMax ?? 10, acquireTimeoutMillis: 5_000 },
    acquireConnectionTimeout: 5_000,
  });
}

const statementNames = new Set<string>();

/**
 * knex sends every statement unnamed, so Postgres parses and plans it anew each time; for the statements a card
 * view, a decision or a webhook batch runs, planning cost about as much as running them. With a name (knex's
 * `.options()` hands it to pg), pg prepares the statement once per connection, and Postgres keeps it parsed and,
 * once a generic plan costs no more than planning each time, planned.
 *
 * Only for a statement whose SQL text never changes, since a name stands for one text on every connection, and which
 * lists the columns it returns: a prepared `*` fails once a migration adds a column while a service still runs.
 * Each name is taken once, where its module loads: a second statement under the same name fails at import.
 */
export function namedStatement(name: string): { name: string } {
  if (statementNames.has(name)) throw new Error(`two statements are named ${name}`);
  statementNames.add(name);
  return { name };
}

/**
 * Runs `work` so that its commit waits for the disk whatever the pool's setting: for a claim that must outlive a
 * Postgres crash before the act it claims is done (an email sent, a Slack message posted, each at most once), made
 * from the job worker's pool, whose commits otherwise return first (openDatabase). Inside a transaction, it sets that
 * transaction's commit.
 */
export async function waitingForDisk<T>(db: Knex, work: (trx: Knex) => Promise<T>): Promise<T> {
  const run = async (trx: Knex) => {
    await trx.raw('SET LOCAL synchronous_commit = on');
    return work(trx);
  };
  return db.isTransaction ? run(db) : db.transaction(run);
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

/**
 * Migrates on a connection of its own with no statement timeout (a migration may rewrite a large table), for a
 * process whose pool has one.
 */
export async function migrateWithoutTimeout(url: string, logger?: DbOptions['logger']): Promise<string[]> {
  const db = createDb(url, { poolMax: 1, applicationName: 'approval-router migrate', ...(logger ? { logger } : {}) });
  try {
    return await migrateToLatest(db);
  } finally {
    await db.destroy();
  }
}

/** Migrations applied and still pending, by name, in order. */
export async function listMigrations(db: Db): Promise<{ applied: string[]; pending: string[] }> {
  const [done, pending] = (await db.migrate.list(migrationConfig)) as [{ name: string }[], { file: string }[]];
  return { applied: done.map((m) => m.name), pending: pending.map((m) => m.file) };
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
  const trouble = databaseTroubleOf(error);
  if (trouble) return trouble.reason;
  if (error instanceof Error && /timeout|no answer/i.test(error.message)) return 'database did not answer in time';
  return 'database unreachable';
}

function describe(message: unknown): string {
  return message instanceof Error ? message.message : String(message);
}
