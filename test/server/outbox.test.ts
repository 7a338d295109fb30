import { describe, expect, it } from 'vitest';
import type { BatchWriteResult, Crm, DealUpdate } from '../../server/crm/crm.js';
import { HubSpotApiError } from '../../server/hubspot/hubspot-errors.js';
import { enqueueJob, pruneFinishedJobs } from '../../server/store/jobs.js';
import { JobWorker } from '../../server/jobs/worker.js';
import { verifyChain } from '../../server/store/traces.js';
import { buildTestApp, callApi, createClock } from '../support/app.js';
import { budgetedCrm } from '../support/budgeted-crm.js';
import { useTestDatabase } from '../support/db.js';
import { idempotencyKey, seedDeal, seedPortal, type SeededPortal } from '../support/factories.js';
import { createTestLogger } from '../support/logger.js';

const database = useTestDatabase();

/** The real LocalCrm, counting the batch writes, and optionally failing them. */
function countingCrm(inner: Crm, fail?: (call: number) => Error | null) {
  const calls: DealUpdate[][] = [];
  const crm: Crm = {
    getDeal: (...args) => inner.getDeal(...args),
    getDirectory: (...args) => inner.getDirectory(...args),
    addNote: (...args) => inner.addNote(...args),
    addTask: (...args) => inner.addTask(...args),
    completeTask: (...args) => inner.completeTask(...args),
    getSuperAdmins: (...args) => inner.getSuperAdmins(...args),
    updateDeals: async (portalId, updates): Promise<BatchWriteResult> => {
      calls.push([...updates]);
      const error = fail?.(calls.length);
      if (error) throw error;
      return inner.updateDeals(portalId, updates);
    },
  };
  return { crm, calls };
}

async function approvedDeal(portal: SeededPortal, discount = '25') {
  const { db } = database();
  const { app, clock } = buildTestApp(db, { crmFor: () => portal.crm });
  const dealId = await seedDeal(portal, { discount_percent: discount });
  const opened = await callApi(app, clock, portal.as('noah'), 'POST', `/api/v1/deals/${dealId}/requests`, { justification: 'x', idempotencyKey: idempotencyKey() }).expect(201);
  await callApi(app, clock, portal.as('ben'), 'POST', `/api/v1/requests/${opened.body.request.id}/decisions`, { verdict: 'approve', idempotencyKey: idempotencyKey() }).expect(200);
  return { dealId, requestId: opened.body.request.id as string };
}

/** The instant the tests' app clock starts at: requests, jobs and workers all run on it. */
const clock = createClock();

function workerFor(crm: Crm, options: ConstructorParameters<typeof JobWorker>[1] = {}) {
  const { db } = database();
  return new JobWorker({ db, logger: createTestLogger().logger, crmFor: () => crm, now: clock.now }, { random: () => 0.5, ...options });
}

const queued = async (portalId: string) => (await database().db('jobs').where({ portal_id: portalId, kind: 'sync_deal', state: 'queued' }).count())[0]?.count;

describe('the outbox', () => {
  it('writes the outcome to the deal once, after the request and the decision coalesced into one job', async () => {
    const { db } = database();
    const portal = await seedPortal(db);
    const { dealId, requestId } = await approvedDeal(portal);
    expect(await queued(portal.portalId)).toBe('1');
    const { crm, calls } = countingCrm(portal.crm);
    await workerFor(crm).runOnce();
    expect(calls).toHaveLength(1);
    const deal = await portal.crm.getDeal(portal.portalId, dealId, ['approval_router_status', 'approval_router_request_id', 'approval_router_route', 'approval_router_decided_at']);
    expect(deal?.properties).toMatchObject({ approval_router_status: 'approved', approval_router_request_id: requestId, approval_router_route: 'standard' });
    expect(deal?.properties.approval_router_decided_at).toMatch(/^\d{13}$/);
    expect(await db('traces').where({ portal_id: portal.portalId, kind: 'sync' }).count()).toEqual([{ count: '1' }]);
    expect(await verifyChain(db, portal.portalId)).toMatchObject({ ok: true });
  });

  it('writes nothing in shadow mode', async () => {
    const { db } = database();
    const portal = await seedPortal(db, { flag: 'shadow' });
    await approvedDeal(portal);
    expect(await db('jobs').where({ portal_id: portal.portalId, kind: 'sync_deal' }).count()).toEqual([{ count: '0' }]);
  });

  it('never writes the same change twice', async () => {
    const { db } = database();
    const portal = await seedPortal(db);
    const { dealId, requestId } = await approvedDeal(portal);
    const { crm, calls } = countingCrm(portal.crm);
    await workerFor(crm).runOnce();
    const payload = (await db('jobs').where({ portal_id: portal.portalId, kind: 'sync_deal' }).first()).payload;
    await enqueueJob(db, { portalId: portal.portalId, kind: 'sync_deal', key: dealId, payload: { ...payload, requestId } }, clock.now().toISOString());
    await workerFor(crm).runOnce();
    expect(calls).toHaveLength(1);
    expect(await db('jobs').where({ portal_id: portal.portalId, kind: 'sync_deal', state: 'done' }).pluck('last_error')).toContain('skipped: the deal already says this');
  });

  it('batches one portal\'s deals, at most 100 a call', async () => {
    const { db } = database();
    const portal = await seedPortal(db);
    for (let i = 0; i < 150; i++) {
      const dealId = await seedDeal(portal);
      await enqueueJob(db, { portalId: portal.portalId, kind: 'sync_deal', key: dealId, payload: { dealId, requestId: '00000000-0000-4000-8000-000000000001', version: 1, properties: { approval_router_status: 'pending' } } }, clock.now().toISOString());
    }
    const { crm, calls } = countingCrm(portal.crm);
    const worker = workerFor(crm);
    expect(await worker.runOnce()).toBe(100);
    expect(await worker.runOnce()).toBe(50);
    expect(calls.map((c) => c.length)).toEqual([100, 50]);
  });

  it('keeps each portal under its rate budget, deferring without counting an attempt', async () => {
    const { db } = database();
    const portal = await seedPortal(db);
    const { crm: counted, calls } = countingCrm(portal.crm);
    const crm = budgetedCrm(counted, { db, now: clock.now, limits: { perTenSeconds: 2, interactiveReserve: 1, daily: 1000 } });
    for (const _ of [1, 2]) {
      const dealId = await seedDeal(portal);
      await enqueueJob(db, { portalId: portal.portalId, kind: 'sync_deal', key: dealId, payload: { dealId, requestId: '00000000-0000-4000-8000-000000000002', version: 1, properties: { approval_router_status: 'pending' } } }, clock.now().toISOString());
      await workerFor(crm).runOnce();
    }
    expect(calls).toHaveLength(1);
    const deferred = await db('jobs').where({ portal_id: portal.portalId, kind: 'sync_deal', state: 'queued' }).first();
    expect(deferred).toMatchObject({ attempts: 0 });
    expect(deferred.last_error).toBe(`HubSpot is not called for portal ${portal.portalId} for 5 s: the portal's budget of 2 HubSpot calls per 10 s is spent for the moment (background work leaves the last 1 for card views and actions)`);
    expect(deferred.run_at.getTime()).toBeGreaterThan(clock.now().getTime());
  });

  it('retries HubSpot 5xx with backoff, then parks the job as dead with an incident', async () => {
    const { db } = database();
    const portal = await seedPortal(db);
    const { dealId } = await approvedDeal(portal);
    const { crm, calls } = countingCrm(portal.crm, () => new HubSpotApiError('batch update deals', 502, null, {}));
    for (let attempt = 1; attempt <= 3; attempt++) {
      await workerFor(crm, { maxAttempts: 3 }).runOnce();
      await db('jobs').where({ portal_id: portal.portalId, kind: 'sync_deal', state: 'queued' }).update({ run_at: clock.now() });
    }
    expect(calls).toHaveLength(3);
    expect(await db('jobs').where({ portal_id: portal.portalId, kind: 'sync_deal' }).first()).toMatchObject({ state: 'dead', attempts: 3 });
    expect(await db('incidents').where({ portal_id: portal.portalId }).first()).toMatchObject({ kind: 'dead_sync_deal', deal_id: dealId });
  });

  it('after a 429 waits the time HubSpot named, without counting an attempt', async () => {
    const { db } = database();
    const portal = await seedPortal(db);
    await approvedDeal(portal);
    const { crm } = countingCrm(portal.crm, () => new HubSpotApiError('batch update deals', 429, 'RATE_LIMITS', { retryAfterSeconds: 7 }));
    await workerFor(crm).runOnce();
    expect(await db('jobs').where({ portal_id: portal.portalId, kind: 'sync_deal' }).first()).toMatchObject({ state: 'queued', attempts: 0 });
    // The block every caller meets is the HubSpot adapter's (test/server/hubspot/outbox-faults.test.ts).
    expect((await db('jobs').where({ portal_id: portal.portalId, kind: 'sync_deal' }).first()).run_at.getTime()).toBeGreaterThan(clock.now().getTime() + 5_000);
  });

  it('a job whose worker died mid-write is reclaimed, and the deal read back instead of written twice', async () => {
    const { db } = database();
    const portal = await seedPortal(db);
    const { dealId } = await approvedDeal(portal);
    const { crm, calls } = countingCrm(portal.crm);
    // The first worker wrote to the CRM but died before confirming: emulate its traces in the tables.
    const job = await db('jobs').where({ portal_id: portal.portalId, kind: 'sync_deal' }).first();
    await portal.crm.updateDeals(portal.portalId, [{ id: dealId, properties: job.payload.properties }]);
    const { hashJson } = await import('../../src/hash.js');
    await db('synced_properties').insert({ portal_id: portal.portalId, deal_id: dealId, properties: JSON.stringify(job.payload.properties), fingerprint: hashJson(job.payload.properties), state: 'writing', request_id: job.payload.requestId, version: job.payload.version, synced_at: clock.now() });
    await db('jobs').where({ id: job.id }).update({ state: 'running', locked_by: 'dead-worker', locked_until: new Date(clock.now().getTime() - 1000), attempts: 1 });

    await workerFor(crm).runOnce();
    expect(calls).toHaveLength(0);
    expect(await db('jobs').where({ id: job.id }).first()).toMatchObject({ state: 'done', last_error: 'confirmed: an interrupted write had landed' });
  });

  it('two workers on one table never run the same job', async () => {
    const { db } = database();
    const portal = await seedPortal(db);
    for (let i = 0; i < 40; i++) {
      const dealId = await seedDeal(portal);
      await enqueueJob(db, { portalId: portal.portalId, kind: 'webhook_event', key: dealId, payload: { dealId } }, clock.now().toISOString());
    }
    const seen: string[] = [];
    const handler = async (_deps: unknown, job: { id: string }) => { seen.push(job.id); await new Promise((r) => setTimeout(r, 5)); };
    const a = workerFor(portal.crm, { handlers: { webhook_event: handler } });
    const b = workerFor(portal.crm, { handlers: { webhook_event: handler } });
    const drain = async (w: JobWorker) => { while ((await w.runOnce()) > 0) { /* next */ } };
    await Promise.all([drain(a), drain(b)]);
    expect(seen).toHaveLength(40);
    expect(new Set(seen).size).toBe(40);
  });

  it('runs a burst of other jobs a batch at a time, side by side across deals and in order within each deal', async () => {
    const { db } = database();
    const portal = await seedPortal(db);
    const deals = ['7001', '7002', '7003'];
    // Enqueued deal by deal in turn, so each deal's events are spread through the batch.
    for (let n = 0; n < 6; n++) {
      for (const dealId of deals) await enqueueJob(db, { portalId: portal.portalId, kind: 'webhook_event', key: `${dealId}-${n}`, payload: { webhookEventId: '0', dealId, n } }, clock.now().toISOString());
    }
    const ran: { dealId: string; n: number }[] = [];
    let inFlight = 0;
    let mostAtOnce = 0;
    const perDeal = new Map<string, number>();
    const handler = async (_deps: unknown, job: { payload: unknown }) => {
      const { dealId, n } = job.payload as { dealId: string; n: number };
      if (perDeal.get(dealId)) throw new Error(`deal ${dealId} ran two jobs at once`);
      perDeal.set(dealId, 1);
      inFlight += 1;
      mostAtOnce = Math.max(mostAtOnce, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      ran.push({ dealId, n });
      inFlight -= 1;
      perDeal.set(dealId, 0);
    };
    const worker = workerFor(portal.crm, { handlers: { webhook_event: handler }, batchSize: 20, concurrency: 4 });
    expect(await worker.runOnce()).toBe(18);
    expect(mostAtOnce).toBe(3); // one line per deal, three deals
    for (const dealId of deals) expect(ran.filter((job) => job.dealId === dealId).map((job) => job.n)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(await db('jobs').where({ portal_id: portal.portalId, state: 'done' }).count()).toEqual([{ count: '18' }]);
  });

  it('prunes finished jobs past their retention, oldest first, and keeps dead and recent ones', async () => {
    const { db } = database();
    const portal = await seedPortal(db);
    const job = (key: string, state: string, daysAgo: number) => {
      const finishedAt = new Date(clock.now().getTime() - daysAgo * 86_400_000);
      return { portal_id: portal.portalId, kind: 'sync_deal', key, payload: '{}', state, created_at: finishedAt, run_at: finishedAt, finished_at: finishedAt };
    };
    await db('jobs').insert([job('old-1', 'done', 30), job('old-2', 'done', 9), job('recent', 'done', 1), job('dead', 'dead', 30)]);
    expect(await pruneFinishedJobs(db, 7, clock.now(), 1)).toBe(1);
    expect(await db('jobs').where({ portal_id: portal.portalId, key: 'old-1' }).count()).toEqual([{ count: '0' }]); // the oldest first
    expect(await pruneFinishedJobs(db, 7, clock.now())).toBe(1);
    expect(await pruneFinishedJobs(db, 7, clock.now())).toBe(0);
    expect((await db('jobs').where({ portal_id: portal.portalId }).orderBy('key').pluck('key'))).toEqual(['dead', 'recent']);
  });
});
