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

  it('the schema keeps no clock of its own: no column defaults to the database\'s time', async () => {
    const { rows } = await database().db.raw<{ rows: { column: string; default: string }[] }>(
      `SELECT table_name || '.' || column_name AS column, column_default AS default FROM information_schema.columns
        WHERE table_schema = 'public'
          AND column_default ~* '(now\\(|current_(timestamp|time|date)|localtime|clock_timestamp|transaction_timestamp|statement_timestamp)'
        ORDER BY 1`,
    );
    expect(rows).toEqual([]);
  });
});
