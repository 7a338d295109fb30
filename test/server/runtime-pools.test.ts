// A worker process's commits do not wait for the disk: a job whose newest writes a Postgres crash loses is a job not
// yet finished, and runs again. The service's do, since what it answers a person or HubSpot must outlive the crash,
// and so do those of a worker in the service's own process, which shares its pool. Against a real Postgres, wired as
// `approval-router worker` and `npm start` wire them.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.js';
import type { Db } from '../../server/db/database.js';
import { buildRuntime } from '../../server/main.js';
import { useTestDatabase } from '../support/db.js';
import { createTestLogger } from '../support/logger.js';

const database = useTestDatabase();

const commitSetting = async (db: Db) => ((await db.raw<{ rows: { synchronous_commit: string }[] }>('SHOW synchronous_commit')).rows[0]!.synchronous_commit);

describe('the runtime', () => {
  const config = () => loadConfig({ DATABASE_URL: database().url, NODE_ENV: 'test' });

  it("gives a worker process a pool whose commits return before the disk has them, and keeps the service's waiting", async () => {
    const runtime = await buildRuntime({ config: config(), logger: createTestLogger('warn').logger });
    try {
      expect(await commitSetting(runtime.deps.db)).toBe('on');
      expect(await commitSetting(runtime.workerDeps.db)).toBe('off');
      // Both reach the same rows.
      const [service, worker] = await Promise.all([runtime.deps.db, runtime.workerDeps.db].map((db) => db('portals').where({ id: '1' }).first('install_state')));
      expect(service).toEqual({ install_state: 'demo' });
      expect(worker).toEqual(service);
    } finally {
      await runtime.database.close();
    }
  });

  it("has a worker beside the service share the service's pool, whose commits wait for the disk", async () => {
    const runtime = await buildRuntime({ config: config(), logger: createTestLogger('warn').logger, workerBesideService: true });
    try {
      expect(await commitSetting(runtime.workerDeps.db)).toBe('on');
    } finally {
      await runtime.database.close();
    }
  });
});
