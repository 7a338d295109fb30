// The real service process, killed with SIGKILL in the middle of decisions and of a sync batch: after a restart
// every accepted decision is there exactly once, every pending sync completes, no property is written twice,
// and the trace chain verifies.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PORTAL_ID, demoDirectory } from '../../server/demo/seed-demo-portal.js';
import { signRequest } from '../../server/http/sign-request.js';
import { verifyChain } from '../../server/store/traces.js';
import { useTestDatabase } from '../support/db.js';
import { crowdPolicy, idempotencyKey } from '../support/factories.js';
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

async function call(target: SpawnedService, user: { email: string; userId: string }, method: 'GET' | 'POST', path: string, body?: unknown) {
  const pathAndQuery = `${path}?${new URLSearchParams({ portalId: DEMO_PORTAL_ID, userId: user.userId, userEmail: user.email }).toString()}`;
  const signed = signRequest({ secret: SECRET, method, url: `${target.signedBaseUrl}${pathAndQuery}`, body, timestampMs: Date.now() });
  const response = await fetch(`${target.url}${pathAndQuery}`, { method, headers: signed.headers, ...(body === undefined ? {} : { body: signed.rawBody }) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

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
    // Fifty approvers on one all-step per deal, so decisions pour in concurrently.
    const { source, users } = crowdPolicy(30, 'all');
    const { parsePolicy } = await import('../../src/policy/parse-policy.js');
    const parsed = parsePolicy(source);
    if (!parsed.ok) throw new Error('crowd policy invalid');
    // The service runs on the wall clock: rows written beside it are stamped by the same clock.
    const at = new Date().toISOString();
    await db('policy_versions').where({ portal_id: DEMO_PORTAL_ID }).update({ is_active: false });
    const [version] = await db('policy_versions').insert({ portal_id: DEMO_PORTAL_ID, version: 99, name: 'Crowd', source, document: JSON.stringify(parsed.policy), hash: parsed.hash, created_by: 'test', created_at: at, is_active: true }).returning('id');
    void version;
    for (const user of users) {
      await db('local_users').insert({ portal_id: DEMO_PORTAL_ID, email: user.email, owner_id: user.ownerId ?? null, user_id: user.userId, name: user.name, teams: user.teams }).onConflict(['portal_id', 'email']).merge();
    }
    const rep = { email: 'rep@crowd.example', userId: '9000' };
    const approvers = users.slice(1).map((user) => ({ email: user.email, userId: user.userId! }));
    const requestIds: string[] = [];
    for (let i = 0; i < 20; i++) {
      const dealId = String(700000 + i);
      await db('local_deals').insert({ portal_id: DEMO_PORTAL_ID, id: dealId, updated_at: at, properties: JSON.stringify({ dealname: `Crash ${i}`, hubspot_owner_id: '900', pipeline: 'default', dealstage: 'qualifiedtobuy' }) });
      const opened = await call(target, rep, 'POST', `/api/v1/deals/${dealId}/requests`, { justification: 'crash test', idempotencyKey: idempotencyKey() });
      expect(opened.status).toBe(201);
      requestIds.push((opened.body.request as { id: string }).id);
    }

    // Decisions in flight, and the process killed part-way through them.
    const accepted: { requestId: string; approver: string }[] = [];
    const inFlight = requestIds.flatMap((requestId) => approvers.map(async (approver) => {
      try {
        const answer = await call(target, approver, 'POST', `/api/v1/requests/${requestId}/decisions`, { verdict: 'approve', idempotencyKey: `${requestId}-${approver.userId}` });
        if (answer.status === 200) accepted.push({ requestId, approver: approver.email });
      } catch { /* the connection died with the process */ }
    }));
    // Kill once some decisions have been answered and most are still in flight.
    await expect.poll(() => accepted.length, { timeout: 60_000, interval: 10 }).toBeGreaterThanOrEqual(10);
    target.child.kill('SIGKILL');
    await Promise.all(inFlight);
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
