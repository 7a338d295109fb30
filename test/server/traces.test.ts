import { describe, expect, it } from 'vitest';
import { onDealChanged } from '../../server/use-cases/webhooks/deal-changed.js';
import { replayEvaluations } from '../../server/use-cases/admin/replay-traces.js';
import { findPortal } from '../../server/store/portals.js';
import { ENGINE_VERSION } from '../../src/hash.js';
import { createDb } from '../../server/db/database.js';
import { appendTrace, verifyChain } from '../../server/store/traces.js';
import { buildTestApp, callApi } from '../support/app.js';
import { useTestDatabase } from '../support/db.js';
import { idempotencyKey, seedDeal, seedPortal } from '../support/factories.js';
import { createTestLogger } from '../support/logger.js';

const database = useTestDatabase();

async function story() {
  const { db } = database();
  const portal = await seedPortal(db);
  const { app, clock, crm } = buildTestApp(db);
  const call = (who: string, method: 'GET' | 'POST', path: string, body?: unknown) => callApi(app, clock, portal.as(who), method, path, body);
  const dealId = await seedDeal(portal, { discount_percent: '25' });
  await call('noah', 'GET', `/api/v1/deals/${dealId}/card`).expect(200);
  const { body } = await call('noah', 'POST', `/api/v1/deals/${dealId}/requests`, { justification: 'x', idempotencyKey: idempotencyKey() }).expect(201);
  clock.advanceHours(2);
  await call('ben', 'POST', `/api/v1/requests/${body.request.id}/decisions`, { verdict: 'approve', idempotencyKey: idempotencyKey() }).expect(200);
  return { db, portal, dealId, requestId: body.request.id as string, crm, clock };
}

describe('traces', () => {
  it('chain every evaluation, transition and decision of a portal, and verify intact', async () => {
    const { db, portal } = await story();
    const kinds = await db('traces').where({ portal_id: portal.portalId }).orderBy('seq').pluck('kind');
    expect(kinds).toEqual(['evaluation', 'evaluation', 'transition', 'decision']);
    expect(await verifyChain(db, portal.portalId)).toMatchObject({ ok: true, rows: 4 });
  });

  it('the database refuses UPDATE, DELETE and TRUNCATE on traces', async () => {
    const { db, portal } = await story();
    await expect(db('traces').where({ portal_id: portal.portalId }).update({ kind: 'forged' })).rejects.toThrow(/append-only: UPDATE/);
    await expect(db('traces').where({ portal_id: portal.portalId }).delete()).rejects.toThrow(/append-only: DELETE/);
    await expect(db.raw('TRUNCATE traces')).rejects.toThrow(/append-only: TRUNCATE/);
  });

  it('verify names the first row changed, removed or reordered behind the database\'s back (as a superuser)', async () => {
    const { db, portal } = await story();
    const tamper = (sql: string, bindings: unknown[]) => db.transaction(async (trx) => {
      await trx.raw('SET LOCAL session_replication_role = replica'); // superuser: triggers off
      await trx.raw(sql, bindings as never[]);
    });
    await tamper(`UPDATE traces SET output = replace(output, '"approved"', '"rejected"') WHERE portal_id = ? AND seq = 4`, [portal.portalId]);
    expect(await verifyChain(db, portal.portalId)).toMatchObject({ ok: false, seq: 4, problem: expect.stringMatching(/was changed/) });

    const second = await story();
    await tamper('DELETE FROM traces WHERE portal_id = ? AND seq = 2', [second.portal.portalId]);
    expect(await verifyChain(db, second.portal.portalId)).toMatchObject({ ok: false, seq: 2, problem: expect.stringMatching(/missing/) });

    const third = await story();
    // Swap rows 2 and 3 (through a free seq, as the (portal, seq) key is not deferrable).
    await tamper('UPDATE traces SET seq = -1 WHERE portal_id = ? AND seq = 2', [third.portal.portalId]);
    await tamper('UPDATE traces SET seq = 2 WHERE portal_id = ? AND seq = 3', [third.portal.portalId]);
    await tamper('UPDATE traces SET seq = 3 WHERE portal_id = ? AND seq = -1', [third.portal.portalId]);
    expect(await verifyChain(db, third.portal.portalId)).toMatchObject({ ok: false, seq: 2 });

    const fourth = await story();
    await tamper('DELETE FROM traces WHERE portal_id = ? AND seq = 4', [fourth.portal.portalId]);
    expect(await verifyChain(db, fourth.portal.portalId)).toMatchObject({ ok: false, problem: expect.stringMatching(/removed from the end/) });
  });

  it('replay recomputes every evaluation and finds no difference; a forged output is reported', async () => {
    const { db, portal } = await story();
    expect(await replayEvaluations(db, { portalId: portal.portalId })).toEqual({ checked: 2, differences: [] });
    await db.transaction(async (trx) => {
      await trx.raw('SET LOCAL session_replication_role = replica');
      await trx.raw(`UPDATE traces SET output = replace(output, '"score":35', '"score":5') WHERE portal_id = ? AND seq = 1`, [portal.portalId]);
    });
    const report = await replayEvaluations(db, { portalId: portal.portalId });
    expect(report.differences).toEqual([{ portalId: portal.portalId, seq: 1, problem: expect.stringMatching(/output differs/) }]);
  });
});

describe('replay and live evaluation', () => {
  it('accept the same directory addresses: one whose address is not ASCII replays without a difference', async () => {
    const { db } = database();
    const portal = await seedPortal(db);
    await portal.crm.upsertUser(portal.portalId, { email: 'josé.núñez@acme.example', userId: '4711', name: 'José Núñez', teams: ['Finance'] });
    const { app, clock } = buildTestApp(db);
    const dealId = await seedDeal(portal, { amount: '750000' }); // the executive route: its finance step names the Finance team
    const card = await callApi(app, clock, portal.as('noah'), 'GET', `/api/v1/deals/${dealId}/card`).expect(200);
    expect(JSON.stringify(card.body.preview)).toContain('josé.núñez@acme.example');

    expect(await replayEvaluations(db, { portalId: portal.portalId })).toEqual({ checked: 1, differences: [] });
  });
});

describe('a trace appended in a statement of its own', () => {
  it('keeps the chain whether or not its commit waits for the disk, and leaves the session setting as it was', async () => {
    const db = createDb(database().url, { poolMax: 1 }); // one connection, so the second statement sees the first's session
    try {
      const portal = await seedPortal(database().db);
      const entry = { portalId: portal.portalId, kind: 'evaluation' as const, input: { n: 1 }, output: { ok: true }, engineVersion: ENGINE_VERSION, occurredAt: '2026-11-27T09:00:00.000Z' };
      const first = await appendTrace(db, entry, { waitForDisk: false });
      const second = await appendTrace(db, { ...entry, input: { n: 2 } });
      expect(second.seq).toBe(first.seq + 1);
      expect((await db.raw<{ rows: { synchronous_commit: string }[] }>('SHOW synchronous_commit')).rows[0]?.synchronous_commit).toBe('on');
      expect(await verifyChain(db, portal.portalId)).toMatchObject({ ok: true });
    } finally {
      await db.destroy();
    }
  });
});

describe('a material change to the deal', () => {
  it('invalidates an approval when the score rises, and traces why', async () => {
    const { db, portal, dealId, requestId, crm, clock } = await story();
    await crm.updateDeal(portal.portalId, dealId, { discount_percent: '32' });
    const deps = { db, logger: createTestLogger().logger, crmFor: () => crm, now: clock.now };
    const outcome = await onDealChanged(deps, (await findPortal(db, portal.portalId))!, dealId);
    expect(outcome).toMatchObject({ kind: 'assessed', requestId, invalidated: true, assessment: { stands: false, reason: expect.stringMatching(/score rose from 35 to 50/) } });
    expect(await db('approval_requests').where({ id: requestId }).first()).toMatchObject({ state: 'invalidated', row_version: 3 });
    expect(await verifyChain(db, portal.portalId)).toMatchObject({ ok: true, rows: 5 });
  });

  it('lets the approval stand when the change makes it no stricter, and says so', async () => {
    const { db, portal, dealId, requestId, crm, clock } = await story();
    await crm.updateDeal(portal.portalId, dealId, { discount_percent: '21' });
    const deps = { db, logger: createTestLogger().logger, crmFor: () => crm, now: clock.now };
    const outcome = await onDealChanged(deps, (await findPortal(db, portal.portalId))!, dealId);
    expect(outcome).toMatchObject({ kind: 'assessed', invalidated: false, assessment: { stands: true, reason: expect.stringMatching(/no stricter/) } });
    expect(await db('approval_requests').where({ id: requestId }).first()).toMatchObject({ state: 'approved' });
  });
});
