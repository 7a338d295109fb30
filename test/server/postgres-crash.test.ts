// Postgres itself killed with SIGKILL in the middle of decisions. Once it has recovered, every decision the service
// answered with a 2xx is stored. An action's commit returns before its WAL reaches the disk, so that the portal's
// chain head is not held across the flush (migrations/20261204008000); the answer is read back in a statement that
// waits for the disk instead (store/idempotency.ts). Without that wait, answers leave for decisions a crash then loses.
// A worker process's commits do not wait for the disk (OpenDatabase.jobsDb): a crash loses a job's newest writes with
// its finish, so after the recovery every job the database counts as done has left its record, and every job runs
// to the end. The claims of emails and Slack messages, made before they go out, are the exception: they wait.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_PORTAL_ID } from '../../server/demo/seed-demo-portal.js';
import { createDb, type Db } from '../../server/db/database.js';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from '../../server/db/embedded-postgres.js';
import { claimEmailSend } from '../../server/store/email-sends.js';
import { claimSlackMessage } from '../../server/store/slack-messages.js';
import { cardCaller, openCrowdRequests, pourDecisions } from '../support/crowd-service.js';
import { freePort, spawnService, waitForReady, type SpawnedService } from '../support/spawn-service.js';

const SECRET = 'pg-crash-test-secret-0123456789';
const scratch = mkdtempSync(path.join(tmpdir(), 'approval-router-pg-crash-'));
const running: { postgres: EmbeddedPostgresHandle[]; processes: SpawnedService[] } = { postgres: [], processes: [] };

afterAll(async () => {
  for (const spawned of running.processes) spawned.child.kill('SIGKILL');
  for (const postgres of running.postgres) await postgres.stop().catch(() => undefined);
  rmSync(scratch, { recursive: true, force: true });
});

async function startPostgres(dataDir: string, port: number): Promise<EmbeddedPostgresHandle> {
  const postgres = await startEmbeddedPostgres({ dataDir, port, database: 'crash' });
  running.postgres.push(postgres);
  return postgres;
}

/**
 * A Postgres whose commits that do not wait for the disk stay in its memory. They are written out by the WAL writer
 * every 200 ms by default, or when the WAL buffers fill. Slowed down and with room to spare, such a commit stays in
 * memory until something flushes it, so a kill loses it unless a later commit waited for the disk.
 */
async function startForgetfulPostgres(dataDir: string): Promise<{ postgres: EmbeddedPostgresHandle; port: number }> {
  const port = await freePort();
  const first = await startPostgres(dataDir, port);
  const settings = createDb(first.url, { poolMax: 1 });
  await settings.raw("ALTER SYSTEM SET wal_writer_delay = '10s'");
  await settings.raw("ALTER SYSTEM SET wal_writer_flush_after = '1GB'");
  await settings.raw("ALTER SYSTEM SET wal_buffers = '256MB'");
  await settings.destroy();
  await first.stop();
  return { postgres: await startPostgres(dataDir, port), port };
}

async function spawn(env: Record<string, string>, command: 'serve' | 'worker' = 'serve'): Promise<SpawnedService> {
  const spawned = await spawnService({ HUBSPOT_CLIENT_SECRET: SECRET, LOG_LEVEL: 'fatal', ...env }, command);
  running.processes.push(spawned);
  return spawned;
}

const call = cardCaller(SECRET);

/**
 * The postmaster and every process it started, killed at once: shared memory, and WAL not yet written out, are gone.
 * Resolves once the port is free again: a backend forked just before the kill, which pgrep did not see, ends when it
 * finds the postmaster gone.
 */
async function killPostgres(dataDir: string, port: number): Promise<void> {
  const postmaster = readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]!.trim();
  const children = execFileSync('pgrep', ['-P', postmaster], { encoding: 'utf8' }).split('\n').filter(Boolean);
  execFileSync('kill', ['-9', postmaster, ...children]);
  const portIsFree = () => new Promise<boolean>((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
  await expect.poll(portIsFree, { timeout: 20_000, interval: 100 }).toBe(true);
}

/** Starts Postgres again on its data (it recovers from its WAL) and runs `check` against it. */
async function afterRecovery(dataDir: string, port: number, check: (db: Db) => Promise<void>): Promise<void> {
  const recovered = await startPostgres(dataDir, port);
  const db = createDb(recovered.url, { poolMax: 2 });
  try {
    await check(db);
  } finally {
    await db.destroy();
  }
}

/** The crowd's requests, opened through `service` and written beside it through a connection of the test's own. */
async function openCrowd(service: SpawnedService, url: string) {
  const setup = createDb(url, { poolMax: 2 });
  try {
    return await openCrowdRequests(setup, call, service, 710000);
  } finally {
    await setup.destroy();
  }
}

describe('Postgres killed with SIGKILL', () => {
  it('loses no decision the service answered', async () => {
    const dataDir = path.join(scratch, 'service');
    const { postgres, port } = await startForgetfulPostgres(dataDir);
    const service = await spawn({ DATABASE_URL: postgres.url, WORKER_ENABLED: 'false' });
    await waitForReady(service);
    const { requestIds, approvers } = await openCrowd(service, postgres.url);

    // Decisions pour in; Postgres dies part-way through them.
    const accepted: { requestId: string; approver: string }[] = [];
    const inFlight = pourDecisions(call, service, requestIds, approvers, accepted);
    await expect.poll(() => accepted.length, { timeout: 60_000, interval: 5 }).toBeGreaterThanOrEqual(40);
    await killPostgres(dataDir, port);
    const answeredBeforeTheCrash = [...accepted];
    await inFlight;
    expect(answeredBeforeTheCrash.length).toBeLessThan(requestIds.length * approvers.length);

    // Postgres recovers from its WAL; every decision answered before it died is there.
    await afterRecovery(dataDir, port, async (db) => {
      const stored = new Set((await db('decisions').whereIn('request_id', requestIds).select<{ request_id: string; approver_email: string }[]>('request_id', 'approver_email'))
        .map((row) => `${row.request_id} ${row.approver_email}`));
      const lost = answeredBeforeTheCrash.filter(({ requestId, approver }) => !stored.has(`${requestId} ${approver}`));
      expect(lost).toEqual([]);
    });
    // Three Postgres starts (the last a recovery) and a service's start outgrow the default timeout on a busy machine.
  }, 180_000);

  it("keeps an email's or a Slack message's claim made from the worker's pool, since the message goes out next", async () => {
    const dataDir = path.join(scratch, 'claims');
    const { postgres, port } = await startForgetfulPostgres(dataDir);
    const service = await spawn({ DATABASE_URL: postgres.url, WORKER_ENABLED: 'false' });
    await waitForReady(service);
    const { requestIds: [requestId], approvers: [approver] } = await openCrowd(service, postgres.url);
    service.child.kill('SIGKILL');

    // As a worker process claims them: through a pool whose commits otherwise return before the disk has them.
    const jobsDb = createDb(postgres.url, { poolMax: 1, waitForDisk: false });
    const ballot = { portalId: DEMO_PORTAL_ID, requestId: requestId!, stepIndex: 0, approverEmail: approver!.email };
    const at = new Date().toISOString();
    expect(await claimEmailSend(jobsDb, { ...ballot, linkId: 'crash-link', rowVersion: 1, messageId: '<crash@test>', linksExpireAt: at }, at)).toBeNull();
    expect(await claimSlackMessage(jobsDb, ballot, 'T0CRASH', at)).toEqual({ claimed: true });
    await jobsDb.destroy();
    await killPostgres(dataDir, port);

    await afterRecovery(dataDir, port, async (db) => {
      expect(await db('email_sends').where({ request_id: requestId }).select('state')).toEqual([{ state: 'sending' }]);
      expect(await db('slack_messages').where({ request_id: requestId }).select('state')).toEqual([{ state: 'posting' }]);
    });
  }, 180_000);

  it("while a worker process runs jobs: a job counted done has left its record, and every job runs to the end", async () => {
    const dataDir = path.join(scratch, 'worker');
    const { postgres, port } = await startForgetfulPostgres(dataDir);
    const env = { DATABASE_URL: postgres.url, JOB_LOCK_SECONDS: '5' };
    const service = await spawn({ ...env, WORKER_ENABLED: 'false' });
    await waitForReady(service);
    const { requestIds, approvers } = await openCrowd(service, postgres.url);
    await spawn(env, 'worker');

    // The worker writes each decision's note and closes its task, and syncs the deals, while decisions pour in.
    const watch = createDb(postgres.url, { poolMax: 1 });
    const accepted: { requestId: string; approver: string }[] = [];
    const inFlight = pourDecisions(call, service, requestIds.slice(0, 10), approvers, accepted);
    const doneNotes = async () => Number((await watch('jobs').where({ kind: 'hubspot_notify', state: 'done' }).count({ n: '*' }))[0]!.n);
    await expect.poll(doneNotes, { timeout: 60_000, interval: 20 }).toBeGreaterThanOrEqual(40);
    await watch.destroy().catch(() => undefined);
    await killPostgres(dataDir, port);
    await inFlight;

    // After the recovery the worker carries on: the claims the crash left expire, and every job runs to the end.
    await afterRecovery(dataDir, port, async (db) => {
      // Due by the wall clock, the service's and the worker's: the SLA timers wait for tomorrow.
      const unfinished = async () => Number((await db('jobs').whereRaw("state = 'running' OR (state = 'queued' AND run_at <= ?)", [new Date()]).count({ n: '*' }))[0]!.n);
      await expect.poll(unfinished, { timeout: 90_000, interval: 250 }).toBe(0);
      expect(await db('jobs').where({ state: 'dead' }).count({ n: '*' })).toEqual([{ n: '0' }]);

      // Each note job counted done recorded what it wrote to the CRM for its change of the request.
      const notified = await db('jobs').where({ kind: 'hubspot_notify', state: 'done' }).select<{ key: string }[]>('key');
      const recorded = new Set((await db('hubspot_writes').whereIn('request_id', requestIds).select<{ request_id: string; version: number }[]>('request_id', 'version'))
        .map((row) => `${row.request_id}:${row.version}`));
      expect(notified.length).toBeGreaterThan(0);
      expect(notified.filter(({ key }) => !recorded.has(key))).toEqual([]);

      // And every deal says what its request says now: the last sync landed.
      const requests = await db('approval_requests').whereIn('id', requestIds).select<{ id: string; deal_id: string; row_version: number }[]>('id', 'deal_id', 'row_version');
      const marks = new Map((await db('synced_properties').whereIn('deal_id', requests.map((r) => r.deal_id)).select<{ deal_id: string; version: number; state: string }[]>('deal_id', 'version', 'state'))
        .map((row) => [row.deal_id, row]));
      expect(requests.filter((request) => marks.get(request.deal_id)?.version !== request.row_version || marks.get(request.deal_id)?.state !== 'written')).toEqual([]);
    });
  }, 240_000);
});
