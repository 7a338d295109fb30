// Postgres itself killed with SIGKILL in the middle of decisions: once it has recovered, every decision the service
// answered with a 2xx is stored. An action's commit returns before its WAL reaches the disk, so that the portal's
// chain head is not held across the flush (migrations/20261204008000); the answer is read back in a statement that
// waits for the disk instead (store/idempotency.ts). Without that wait, answers leave for decisions a crash then loses.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_PORTAL_ID } from '../../server/demo/seed-demo-portal.js';
import { createDb } from '../../server/db/database.js';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from '../../server/db/embedded-postgres.js';
import { signRequest } from '../../server/http/sign-request.js';
import { parsePolicy } from '../../src/policy/parse-policy.js';
import { crowdPolicy, idempotencyKey } from '../support/factories.js';
import { freePort, spawnService, waitForReady, type SpawnedService } from '../support/spawn-service.js';

const SECRET = 'pg-crash-test-secret-0123456789';
const scratch = mkdtempSync(path.join(tmpdir(), 'approval-router-pg-crash-'));
const dataDir = path.join(scratch, 'pg');
let postgres: EmbeddedPostgresHandle | undefined;
let service: SpawnedService | undefined;

afterAll(async () => {
  service?.child.kill('SIGKILL');
  await postgres?.stop().catch(() => undefined);
  rmSync(scratch, { recursive: true, force: true });
});

async function call(target: SpawnedService, user: { email: string; userId: string }, path_: string, body: unknown) {
  const pathAndQuery = `${path_}?${new URLSearchParams({ portalId: DEMO_PORTAL_ID, userId: user.userId, userEmail: user.email }).toString()}`;
  const signed = signRequest({ secret: SECRET, method: 'POST', url: `${target.signedBaseUrl}${pathAndQuery}`, body, timestampMs: Date.now() });
  const response = await fetch(`${target.url}${pathAndQuery}`, { method: 'POST', headers: signed.headers, body: signed.rawBody });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** The postmaster and every process it started, killed at once: shared memory, and WAL not yet written out, are gone. */
function killPostgres(): void {
  const postmaster = readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]!.trim();
  const children = execFileSync('pgrep', ['-P', postmaster], { encoding: 'utf8' }).split('\n').filter(Boolean);
  execFileSync('kill', ['-9', postmaster, ...children]);
}

describe('Postgres killed with SIGKILL', () => {
  it('loses no decision the service answered', async () => {
    const port = await freePort();
    postgres = await startEmbeddedPostgres({ dataDir, port, database: 'crash' });
    // Commits that do not wait for the disk are written out by the WAL writer every 200 ms by default, or when the WAL
    // buffers fill. Slowed down and with room to spare, such a commit stays in Postgres's memory until something
    // flushes it, so the kill below loses it unless its answer waited for the disk.
    const settings = createDb(postgres.url, { poolMax: 1 });
    await settings.raw("ALTER SYSTEM SET wal_writer_delay = '10s'");
    await settings.raw("ALTER SYSTEM SET wal_writer_flush_after = '1GB'");
    await settings.raw("ALTER SYSTEM SET wal_buffers = '256MB'");
    await settings.destroy();
    await postgres.stop();
    postgres = await startEmbeddedPostgres({ dataDir, port, database: 'crash' });
    const url = postgres.url;
    service = await spawnService({ DATABASE_URL: url, HUBSPOT_CLIENT_SECRET: SECRET, LOG_LEVEL: 'fatal', WORKER_ENABLED: 'false' });
    await waitForReady(service);

    const setup = createDb(url, { poolMax: 2 });
    const { source, users } = crowdPolicy(30, 'all');
    const parsed = parsePolicy(source);
    if (!parsed.ok) throw new Error('crowd policy invalid');
    // The service runs on the wall clock: rows written beside it are stamped by the same clock.
    const at = new Date().toISOString();
    await setup('policy_versions').where({ portal_id: DEMO_PORTAL_ID }).update({ is_active: false });
    await setup('policy_versions').insert({ portal_id: DEMO_PORTAL_ID, version: 99, name: 'Crowd', source, document: JSON.stringify(parsed.policy), hash: parsed.hash, created_by: 'test', created_at: at, is_active: true });
    for (const user of users) {
      await setup('local_users').insert({ portal_id: DEMO_PORTAL_ID, email: user.email, owner_id: user.ownerId ?? null, user_id: user.userId, name: user.name, teams: user.teams }).onConflict(['portal_id', 'email']).merge();
    }
    const rep = { email: 'rep@crowd.example', userId: '9000' };
    const approvers = users.slice(1).map((user) => ({ email: user.email, userId: user.userId! }));
    const requestIds: string[] = [];
    for (let i = 0; i < 20; i++) {
      const dealId = String(710000 + i);
      await setup('local_deals').insert({ portal_id: DEMO_PORTAL_ID, id: dealId, updated_at: at, properties: JSON.stringify({ dealname: `Crash ${i}`, hubspot_owner_id: '900', pipeline: 'default', dealstage: 'qualifiedtobuy' }) });
      const opened = await call(service, rep, `/api/v1/deals/${dealId}/requests`, { justification: 'crash test', idempotencyKey: idempotencyKey() });
      expect(opened.status).toBe(201);
      requestIds.push((opened.body.request as { id: string }).id);
    }
    await setup.destroy();

    // Decisions pour in; Postgres dies part-way through them.
    const accepted: { requestId: string; approver: string }[] = [];
    const target = service;
    const inFlight = requestIds.flatMap((requestId) => approvers.map(async (approver) => {
      try {
        const answer = await call(target, approver, `/api/v1/requests/${requestId}/decisions`, { verdict: 'approve', idempotencyKey: `${requestId}-${approver.userId}` });
        if (answer.status === 200) accepted.push({ requestId, approver: approver.email });
      } catch { /* the service may drop the connection while its database is away */ }
    }));
    await expect.poll(() => accepted.length, { timeout: 60_000, interval: 5 }).toBeGreaterThanOrEqual(40);
    killPostgres();
    const answeredBeforeTheCrash = [...accepted];
    await Promise.all(inFlight);
    expect(answeredBeforeTheCrash.length).toBeLessThan(requestIds.length * approvers.length);

    // Postgres recovers from its WAL; every decision answered before it died is there.
    postgres = await startEmbeddedPostgres({ dataDir, port, database: 'crash' });
    const db = createDb(postgres.url, { poolMax: 2 });
    try {
      const stored = new Set((await db('decisions').whereIn('request_id', requestIds).select<{ request_id: string; approver_email: string }[]>('request_id', 'approver_email'))
        .map((row) => `${row.request_id} ${row.approver_email}`));
      const lost = answeredBeforeTheCrash.filter(({ requestId, approver }) => !stored.has(`${requestId} ${approver}`));
      expect(lost).toEqual([]);
    } finally {
      await db.destroy();
    }
    // Three Postgres starts (the last a recovery) and a service's start outgrow the default timeout on a busy machine.
  }, 180_000);
});
