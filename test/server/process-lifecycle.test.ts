// The real entry point, spawned: an embedded Postgres comes up with it and goes down with it.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, spawnService, waitForReady } from '../support/spawn-service.js';

const dataRoot = mkdtempSync(path.join(tmpdir(), 'ar-lifecycle-'));
afterAll(() => rmSync(dataRoot, { recursive: true, force: true }));

function postgresPid(dataDir: string): number | undefined {
  const file = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(file)) return undefined;
  return Number.parseInt(readFileSync(file, 'utf8').split('\n')[0] ?? '', 10);
}

function isAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('the service process with an embedded Postgres', () => {
  const dataDir = path.join(dataRoot, 'pg');
  let pgPort = 0;

  it('starts, answers /readyz, and on SIGTERM exits 0 leaving no postgres process behind', async () => {
    pgPort = await freePort();
    const service = await spawnService({ DATABASE_URL: undefined, EMBEDDED_PG_DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(pgPort) });
    await waitForReady(service);
    const pid = postgresPid(dataDir);
    expect(isAlive(pid)).toBe(true);

    service.child.kill('SIGTERM');
    expect(await service.exited).toEqual({ code: 0, signal: null });
    expect(isAlive(pid)).toBe(false);
    expect(existsSync(path.join(dataDir, 'postmaster.pid'))).toBe(false);
    expect(service.output()).toMatch(/"msg":"stopped"/);
  }, 90_000);

  it('recovers a data folder left by a killed run, saying what it did', async () => {
    const first = await spawnService({ DATABASE_URL: undefined, EMBEDDED_PG_DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(pgPort) });
    await waitForReady(first);
    const orphan = postgresPid(dataDir);
    first.child.kill('SIGKILL');
    await first.exited;
    expect(isAlive(orphan)).toBe(true); // the killed run left its postgres holding the port

    const second = await spawnService({ DATABASE_URL: undefined, EMBEDDED_PG_DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(pgPort) });
    await waitForReady(second);
    expect(second.output()).toMatch(/left running by an earlier run/);
    expect(isAlive(orphan)).toBe(false);

    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
    expect(isAlive(postgresPid(dataDir))).toBe(false);
  }, 90_000);

  it('a second process on the same data folder shares the running Postgres and leaves it running when it stops', async () => {
    const first = await spawnService({ DATABASE_URL: undefined, EMBEDDED_PG_DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(pgPort) });
    await waitForReady(first);
    const pid = postgresPid(dataDir);
    const second = await spawnService({ DATABASE_URL: undefined, EMBEDDED_PG_DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(pgPort) });
    await waitForReady(second);
    expect(second.output()).toMatch(/using the embedded Postgres another process is running/);
    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
    expect(isAlive(pid)).toBe(true);
    expect((await fetch(`${first.url}/readyz`)).status).toBe(200);
    first.child.kill('SIGTERM');
    expect((await first.exited).code).toBe(0);
    expect(isAlive(pid)).toBe(false);
  }, 90_000);

  it('refuses to start on a bad variable, naming it, without a stack trace', async () => {
    const service = await spawnService({ DATABASE_URL: 'not-a-url', EMBEDDED_PG_DATA_DIR: dataDir });
    const { code } = await service.exited;
    expect(code).toBe(2);
    expect(service.output()).toMatch(/DATABASE_URL: /);
    expect(service.output()).not.toMatch(/\n\s+at /);
  }, 30_000);
});
