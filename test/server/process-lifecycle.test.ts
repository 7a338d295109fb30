// The real entry point, spawned: an embedded Postgres comes up with it and goes down with it.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { freePort, spawnService as spawn, waitForReady, type SpawnedService } from '../support/spawn-service.js';

const dataRoot = mkdtempSync(path.join(tmpdir(), 'ar-lifecycle-'));
afterAll(() => rmSync(dataRoot, { recursive: true, force: true }));

// A failed test must not leave its service or Postgres running into the next one (each test has its own folder too).
const spawned: SpawnedService[] = [];
const dataDirs: string[] = [];
afterEach(async () => {
  for (const service of spawned.splice(0)) {
    if (service.child.exitCode === null && service.child.signalCode === null) {
      service.child.kill('SIGKILL');
      await service.exited;
    }
  }
  for (const dataDir of dataDirs.splice(0)) {
    const pid = postgresPid(dataDir);
    if (isAlive(pid)) process.kill(pid!, 'SIGINT');
    for (let waited = 0; isAlive(pid) && waited < 10_000; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
  }
});

async function spawnService(env: Record<string, string | undefined>): Promise<SpawnedService> {
  const service = await spawn(env);
  spawned.push(service);
  return service;
}

async function freshFolder(name: string): Promise<{ dataDir: string; pgPort: string }> {
  const dataDir = path.join(dataRoot, name);
  dataDirs.push(dataDir);
  return { dataDir, pgPort: String(await freePort()) };
}

function postgresPid(dataDir: string): number | undefined {
  const file = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(file)) return undefined;
  const pid = Number.parseInt(readFileSync(file, 'utf8').split('\n')[0] ?? '', 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** Alive, also when it runs as another user (as root, the embedded Postgres runs as `postgres`). */
function isAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The Postgres of a ready service: its pid file names a live process (with the service's output when it does not). */
function runningPostgres(dataDir: string, service: SpawnedService): number {
  const pid = postgresPid(dataDir);
  expect(isAlive(pid), `no live Postgres in ${dataDir} (pid file: ${pid ?? 'none'}); the service said:\n${service.output()}`).toBe(true);
  return pid!;
}

describe('the service process with an embedded Postgres', () => {
  it('starts, answers /readyz, and on SIGTERM exits 0 leaving no postgres process behind', async () => {
    const { dataDir, pgPort } = await freshFolder('stop');
    const service = await spawnService({ DATABASE_URL: undefined, EMBEDDED_PG_DATA_DIR: dataDir, EMBEDDED_PG_PORT: pgPort });
    await waitForReady(service);
    const pid = runningPostgres(dataDir, service);

    service.child.kill('SIGTERM');
    expect(await service.exited).toEqual({ code: 0, signal: null });
    expect(isAlive(pid)).toBe(false);
    expect(existsSync(path.join(dataDir, 'postmaster.pid'))).toBe(false);
    expect(service.output()).toMatch(/"msg":"stopped"/);
  }, 90_000);

  it('recovers a data folder left by a killed run, saying what it did', async () => {
    const { dataDir, pgPort } = await freshFolder('killed');
    const first = await spawnService({ DATABASE_URL: undefined, EMBEDDED_PG_DATA_DIR: dataDir, EMBEDDED_PG_PORT: pgPort });
    await waitForReady(first);
    const orphan = runningPostgres(dataDir, first);
    first.child.kill('SIGKILL');
    await first.exited;
    expect(isAlive(orphan)).toBe(true); // the killed run left its postgres holding the port

    const second = await spawnService({ DATABASE_URL: undefined, EMBEDDED_PG_DATA_DIR: dataDir, EMBEDDED_PG_PORT: pgPort });
    await waitForReady(second);
    expect(second.output()).toMatch(/left running by an earlier run/);
    expect(isAlive(orphan)).toBe(false);

    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
    expect(isAlive(postgresPid(dataDir))).toBe(false);
  }, 90_000);

  it('a second process on the same data folder shares the running Postgres and leaves it running when it stops', async () => {
    const { dataDir, pgPort } = await freshFolder('shared');
    const first = await spawnService({ DATABASE_URL: undefined, EMBEDDED_PG_DATA_DIR: dataDir, EMBEDDED_PG_PORT: pgPort });
    await waitForReady(first);
    const pid = runningPostgres(dataDir, first);
    const second = await spawnService({ DATABASE_URL: undefined, EMBEDDED_PG_DATA_DIR: dataDir, EMBEDDED_PG_PORT: pgPort });
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
    const service = await spawnService({ DATABASE_URL: 'not-a-url', EMBEDDED_PG_DATA_DIR: path.join(dataRoot, 'never') });
    const { code } = await service.exited;
    expect(code).toBe(2);
    expect(service.output()).toMatch(/DATABASE_URL: /);
    expect(service.output()).not.toMatch(/\n\s+at /);
  }, 30_000);
});
