// Vitest global setup: a real Postgres for the whole run (DATABASE_URL when set, else an embedded one),
// migrated once into a template database that each test file clones (see test/support/db.ts).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import pg from 'pg';
import { createDb, migrateToLatest } from '../../server/db/database.js';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from '../../server/db/embedded-postgres.js';
import { freePort } from './spawn-service.js';

declare module 'vitest' {
  interface ProvidedContext {
    /** A connection URL whose database is the migrated template; test files clone it. */
    templateDatabaseUrl: string;
    /** The prefix of this run's databases: a run drops only its own, so runs can share a server. */
    testDatabasePrefix: string;
  }
}


export default async function setup(project: TestProject) {
  let embedded: EmbeddedPostgresHandle | undefined;
  let scratch: string | undefined;
  let baseUrl = process.env.DATABASE_URL;
  const prefix = `ar_t_${randomBytes(3).toString('hex')}_`;
  if (!baseUrl) {
    // A fresh cluster per run, in its own folder on a free port: runs never share (or fight over) a server.
    scratch = mkdtempSync(path.join(tmpdir(), 'approval-router-test-pg-'));
    embedded = await startEmbeddedPostgres({
      dataDir: path.join(scratch, 'pg'),
      port: await freePort(),
      database: 'approval_router_test',
    });
    baseUrl = embedded.url;
  }
  try {
    const templateUrl = withDatabase(baseUrl, `${prefix}template`);
    await recreateDatabase(baseUrl, databaseName(templateUrl));
    const db = createDb(templateUrl, { poolMax: 2 });
    try {
      await migrateToLatest(db);
    } finally {
      await db.destroy();
    }
    project.provide('templateDatabaseUrl', templateUrl);
    project.provide('testDatabasePrefix', prefix);
  } catch (error) {
    await embedded?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
    throw error;
  }

  return async () => {
    await dropTestDatabases(baseUrl, prefix).catch(() => undefined);
    await embedded?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  };
}


export function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.slice(1)) || 'postgres';
}

export function withDatabase(url: string, database: string): string {
  const next = new URL(url);
  next.pathname = `/${encodeURIComponent(database)}`;
  return next.toString();
}

async function adminQuery(baseUrl: string, run: (client: pg.Client) => Promise<void>) {
  const client = new pg.Client({ connectionString: withDatabase(baseUrl, 'postgres') });
  await client.connect();
  try {
    await run(client);
  } finally {
    await client.end();
  }
}

async function recreateDatabase(baseUrl: string, name: string) {
  await adminQuery(baseUrl, async (client) => {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await client.query(`CREATE DATABASE "${name}"`);
  });
}

async function dropTestDatabases(baseUrl: string, prefix: string) {
  await adminQuery(baseUrl, async (client) => {
    const { rows } = await client.query<{ datname: string }>('SELECT datname FROM pg_database WHERE starts_with(datname, $1)', [prefix]);
    for (const { datname } of rows) await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  });
}
