// The real service process, killed with SIGKILL in the middle of decisions and of a sync batch: after a restart
// every accepted decision is there exactly once, every pending sync completes, no property is written twice,
// and the trace chain verifies.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PORTAL_ID, demoDirectory } from '../../server/demo/seed-demo-portal.js';
import { verifyChain } from '../../server/store/traces.js';
import { useTestDatabase } from '../support/db.js';
import { cardCaller, openCrowdRequests, pourDecisions } from '../support/crowd-service.js';
import { spawnService, waitForReady, type SpawnedService } from '../support/spawn-service.js';

const database = useTestDatabase();
const SECRET = 'crash-test-secret-0123456789';

let service: SpawnedService | undefined;
afterAll(() => { service?.child.kill('SIGKILL'); });

const start = async () => {
  service = await spawnService({ DATABASE_URL: database().url, HUBSPOT_CLIENT_SECRET: SECRET, LOG_LEVEL: 'warn', SHUTDOWN_TIMEOUT_MS: '1000', JOB_LOCK_SECONDS: '5' });
  await waitForReady(service);
  return service;
};

const call = cardCaller(SECRET);

describe('a service killed with SIGKILL', () => {
  beforeAll(async () => {
    const { db } = database();
    // A recorder of every write to a demo deal, so "written twice" is something the test can see.
    await db.raw(`CREATE TABLE test_deal_writes (deal_id text, properties jsonb, at timestamptz DEFAULT clock_timestamp())`);
    await db.raw(`CREATE FUNCTION test_log_deal_write() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN INSERT INTO test_deal_writes (deal_id, properties) VALUES (NEW.id, NEW.properties); RETURN NEW; END $$`);
    await db.raw(`CREATE TRIGGER test_deal_writes AFTER UPDATE ON local_deals FOR EACH ROW WHEN (OLD.properties IS DISTINCT FROM NEW.properties) EXECUTE FUNCTION test_log_deal_write()`);
  });

  it('keeps every accepted decision exactly once, finishes every sync once, and the chain verifies', async () => {
    const { db } = database();
    let target = await start();
    const { requestIds, approvers } = await openCrowdRequests(db, call, target, 700000);

    // Decisions in flight, and the process killed part-way through them.
    const accepted: { requestId: string; approver: string }[] = [];
    const inFlight = pourDecisions(call, target, requestIds, approvers, accepted);
    // Kill once some decisions have been answered and most are still in flight.
    await expect.poll(() => accepted.length, { timeout: 60_000, interval: 10 }).toBeGreaterThanOrEqual(10);
    target.child.kill('SIGKILL');
    await inFlight;
    await target.exited;
    expect(accepted.length).toBeLessThan(requestIds.length * approvers.length);

    // Restart; send the unanswered decisions again with the same idempotency keys, as HubSpot's retry would.
    target = await start();
    for (const requestId of requestIds) {
      for (const approver of approvers) {
        const answer = await call(target, approver, 'POST', `/api/v1/requests/${requestId}/decisions`, { verdict: 'approve', idempotencyKey: `${requestId}-${approver.userId}` });
        expect([200, 409]).toContain(answer.status);
      }
    }
    const decisions = await db('decisions').whereIn('request_id', requestIds).select('request_id', 'approver_email');
    expect(decisions).toHaveLength(requestIds.length * approvers.length);
    for (const { requestId, approver } of accepted) {
      expect(decisions.filter((d) => d.request_id === requestId && d.approver_email === approver)).toHaveLength(1);
    }
    expect(await db('approval_requests').whereIn('id', requestIds).pluck('state')).toEqual(requestIds.map(() => 'approved'));

    // The worker syncs the outcomes; kill it in the middle of that too, then let a new process finish.
    await new Promise((resolve) => setTimeout(resolve, 150));
    target.child.kill('SIGKILL');
    await target.exited;
    target = await start();
    await expect.poll(async () => Number((await db('jobs').where({ kind: 'sync_deal' }).whereIn('state', ['queued', 'running']).count())[0]?.count), { timeout: 45_000, interval: 200 }).toBe(0);
    expect(await db('jobs').where({ kind: 'sync_deal', state: 'dead' }).count()).toEqual([{ count: '0' }]);
    for (let i = 0; i < 20; i++) {
      const deal = await db('local_deals').where({ portal_id: DEMO_PORTAL_ID, id: String(700000 + i) }).first();
      expect(deal.properties.approval_router_status).toBe('approved');
    }
    // No final state written twice: each deal got its "approved" properties exactly once.
    const approvedWrites = await db('test_deal_writes').whereRaw(`properties->>'approval_router_status' = 'approved'`).select('deal_id', 'properties');
    const firstApproved = new Map<string, string>();
    let repeats = 0;
    for (const write of approvedWrites) {
      const key = JSON.stringify(Object.entries(write.properties as Record<string, string>).filter(([k]) => k.startsWith('approval_router_')).sort());
      if (firstApproved.get(write.deal_id as string) === key) repeats += 1;
      firstApproved.set(write.deal_id as string, key);
    }
    expect(repeats).toBe(0);
    expect(await verifyChain(db, DEMO_PORTAL_ID)).toMatchObject({ ok: true });
    target.child.kill('SIGTERM');
    await target.exited;
    void demoDirectory;
  }, 180_000);
});
