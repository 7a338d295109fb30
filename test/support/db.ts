// Each test file gets its own database, cloned from the migrated template in a few milliseconds,
// so files run in parallel without seeing each other's rows.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, inject } from 'vitest';
import { createDb, type Db } from '../../server/db/database.js';
import { databaseName, withDatabase } from './global-setup.js';

export interface TestDatabase {
  db: Db;
  url: string;
  drop: () => Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const templateUrl = inject('templateDatabaseUrl');
  const name = `${inject('testDatabasePrefix')}${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: withDatabase(templateUrl, 'postgres') });
  await admin.connect();
  try {
    // Two files cloning the template at the same instant can collide; the second simply tries again.
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${databaseName(templateUrl)}"`);
        break;
      } catch (error) {
        if (attempt >= 20 || (error as { code?: string }).code !== '55006') throw error;
        await new Promise((resolve) => setTimeout(resolve, 50 + attempt * 25));
      }
    }
  } finally {
    await admin.end();
  }
  const url = withDatabase(templateUrl, name);
  const db = createDb(url, { poolMax: 10 });
  return {
    db,
    url,
    drop: async () => {
      await db.destroy();
      const dropper = new pg.Client({ connectionString: withDatabase(templateUrl, 'postgres') });
      await dropper.connect();
      try {
        await dropper.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await dropper.end();
      }
    },
  };
}

/** Registers hooks that give the current test file a fresh migrated database; call the result inside tests. */
export function useTestDatabase(): () => TestDatabase {
  let current: TestDatabase | undefined;
  beforeAll(async () => { current = await createTestDatabase(); });
  afterAll(async () => { await current?.drop(); });
  return () => {
    if (!current) throw new Error('the test database is not ready: call useTestDatabase() at the top of the file');
    return current;
  };
}
