import { describe, expect, it } from 'vitest';
import { migrateToLatest, rollbackAll } from '../../server/db/database.js';
import { useTestDatabase } from '../support/db.js';

const database = useTestDatabase();

async function tables(): Promise<string[]> {
  const { rows } = await database().db.raw<{ rows: { tablename: string }[] }>(
    `SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE 'knex_%' ORDER BY tablename`,
  );
  return rows.map((row) => row.tablename);
}

describe('migrations', () => {
  it('go down completely, up again, and down and up once more', async () => {
    const { db } = database();
    const migrated = await tables();
    expect(migrated).toContain('portals');

    const reverted = await rollbackAll(db);
    expect(reverted.length).toBeGreaterThan(0);
    expect(await tables()).toEqual([]);

    const applied = await migrateToLatest(db);
    expect(applied).toEqual([...reverted].reverse());
    expect(await tables()).toEqual(migrated);

    await rollbackAll(db);
    await migrateToLatest(db);
    expect(await tables()).toEqual(migrated);
  });

  it('are idempotent: a second run applies nothing', async () => {
    expect(await migrateToLatest(database().db)).toEqual([]);
  });
});
