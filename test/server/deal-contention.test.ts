import { describe, expect, it } from 'vitest';
import { verifyChain } from '../../server/store/traces.js';
import { buildTestApp, callApi } from '../support/app.js';
import { useTestDatabase } from '../support/db.js';
import { idempotencyKey, seedDeal, seedPortal } from '../support/factories.js';

const database = useTestDatabase();

describe('one deal under concurrent requests, views, decisions and withdrawals', () => {
  it('answers every call without a 500 (no deadlock escapes), and the trace chain holds', async () => {
    const { db } = database();
    const portal = await seedPortal(db);
    const { app, clock, logs } = buildTestApp(db);
    const dealId = await seedDeal(portal);
    const call = (who: string, method: 'GET' | 'POST', path: string, body?: unknown) => callApi(app, clock, portal.as(who), method, path, body);
    let latest = '00000000-0000-4000-8000-000000000000';
    // Each act in turn, round the list; the requesters repeat so that a request may find its evaluation traced by an
    // earlier one at the same instant, or trace a new one.
    const acts: (() => PromiseLike<{ status: number; body: unknown }>)[] = [
      ...['noah', 'mia', 'noah', 'ava', 'mia', 'noah'].map((who) => () => call(who, 'POST', `/api/v1/deals/${dealId}/requests`, { justification: 'Competitive pressure', idempotencyKey: idempotencyKey() })),
      () => call('ben', 'POST', `/api/v1/requests/${latest}/decisions`, { verdict: 'approve', idempotencyKey: idempotencyKey() }),
      () => call('noah', 'POST', `/api/v1/requests/${latest}/withdraw`, { idempotencyKey: idempotencyKey() }),
      () => call('bella', 'POST', `/api/v1/requests/${latest}/decisions`, { verdict: 'reject', comment: 'too deep', idempotencyKey: idempotencyKey() }),
      () => call('ben', 'GET', `/api/v1/deals/${dealId}/card`),
      () => call('mia', 'GET', `/api/v1/deals/${dealId}/card`),
    ];
    const total = 300;
    const statuses: number[] = [];
    let next = 0;
    // Six callers at a time, each starting its next act as soon as its last one is answered.
    await Promise.all(Array.from({ length: 6 }, async () => {
      while (next < total) {
        const n = next++;
        // Every 40 acts the clock moves on (by a minute: calls signed a moment before stay within the signature's
        // five); every 20 the discount switches between a deal approved automatically (requests never meet on the
        // pending slot) and one that waits on a manager.
        if (n % 40 === 0) clock.advanceHours(1 / 60);
        if (n % 20 === 0) await portal.crm.updateDeal(portal.portalId, dealId, { discount_percent: n % 40 === 0 ? '0' : '25' });
        const answer = await acts[n % acts.length]!();
        statuses.push(answer.status);
        const id = (answer.body as { request?: { id?: string } }).request?.id;
        if (answer.status === 201 && id) latest = id;
      }
    }));
    const failures = logs.filter((line) => line.includes('"level":50'));
    expect(statuses.filter((status) => status >= 500), failures.join('\n')).toEqual([]);
    expect([...new Set(statuses)].sort()).toEqual([200, 201, 403, 409]);
    expect(await verifyChain(db, portal.portalId)).toMatchObject({ ok: true });
  }, 60_000);
});
