// A version's document is kept per process once read, per database: version ids are only unique within one.
import { afterAll, describe, expect, it } from 'vitest';
import { policyDocumentById } from '../../server/store/policies.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { crowdPolicy, seedPortal } from '../support/factories.js';

const opened: TestDatabase[] = [];
afterAll(async () => { await Promise.all(opened.map((database) => database.drop())); });

describe('policy documents kept per process', () => {
  it('answers each database with its own document for the same portal and version id, and a transaction from the kept copy', async () => {
    const [first, second] = [await createTestDatabase(), await createTestDatabase()];
    opened.push(first, second);
    await seedPortal(first.db, { portalId: '777' });
    await seedPortal(second.db, { portalId: '777', policySource: crowdPolicy(3, 'any').source });
    const idIn = async (database: TestDatabase) => String((await database.db('policy_versions').where({ portal_id: '777', is_active: true }).first<{ id: string }>('id')).id);
    expect(await idIn(first)).toBe(await idIn(second));
    const id = await idIn(first);

    expect((await policyDocumentById(first.db, '777', id))?.name).not.toBe('Crowd');
    expect((await policyDocumentById(second.db, '777', id))?.name).toBe('Crowd');

    let statements = 0;
    second.db.on('query', (query: { sql: string }) => { if (query.sql.includes('policy_versions')) statements += 1; });
    const inTransaction = await second.db.transaction((trx) => policyDocumentById(trx, '777', id));
    expect(inTransaction?.name).toBe('Crowd');
    expect(statements).toBe(0);
  });
});
