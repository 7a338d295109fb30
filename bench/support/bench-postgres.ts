// A Postgres for a benchmark run: DATABASE_URL when set (a fresh database is created beside it), else an
// embedded one in a scratch folder, migrated. Benchmarks never touch ./data.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createDb, migrateToLatest, type Db } from '../../server/db/database.js';
import { startEmbeddedPostgres } from '../../server/db/embedded-postgres.js';
import { freePort } from '../../test/support/spawn-service.js';

export { freePort };

export interface BenchPostgres {
  url: string;
  db: Db;
  close: () => Promise<void>;
}


export async function startBenchPostgres(name: string): Promise<BenchPostgres> {
  let stopEmbedded: (() => Promise<void>) | undefined;
  let scratch: string | undefined;
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    scratch = mkdtempSync(path.join(tmpdir(), `approval-router-bench-${name}-`));
    const embedded = await startEmbeddedPostgres({ dataDir: path.join(scratch, 'pg'), port: await freePort(), database: 'postgres' });
    stopEmbedded = embedded.stop;
    adminUrl = embedded.url;
  }
  const database = `bench_${name}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${database}"`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  const db = createDb(url.toString(), { poolMax: 4 });
  await migrateToLatest(db);
  return {
    url: url.toString(),
    db,
    close: async () => {
      await db.destroy();
      const dropper = new pg.Client({ connectionString: adminUrl });
      await dropper.connect();
      await dropper.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
      await dropper.end();
      await stopEmbedded?.();
      if (scratch) rmSync(scratch, { recursive: true, force: true });
    },
  };
}
