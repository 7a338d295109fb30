// The processes a benchmark starts: the service and its job workers through the CLI, as `npm start` runs them, and
// what each costs the machine (resident memory, CPU time), read from Linux's /proc.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SERVICE_NODE_FLAGS } from '../../test/support/service-node-flags.js';
import { withScratchMail } from '../../test/support/spawn-service.js';

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../server/cli.ts');

/**
 * `approval-router serve` or `approval-router worker` in its own process, with the Node flags of `npm start`, the
 * caller's environment on top of this one's (mail to a scratch folder), and the child's output on this process's.
 */
export function spawnCli(command: 'serve' | 'worker', env: Record<string, string>, nodeFlags: string[] = []): ChildProcess {
  return withScratchMail((mailDir) => spawn(process.execPath, [...SERVICE_NODE_FLAGS, ...nodeFlags, '--import', 'tsx', CLI, command], {
    env: { ...process.env, MAIL_DIR: mailDir, ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  }));
}

/** Sends SIGTERM to each child still running and waits for all of them to exit. */
export async function stopAll(children: readonly ChildProcess[]): Promise<void> {
  await Promise.all(children.map((child) => new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  })));
}

export async function waitForReady(url: string, child?: ChildProcess): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (child && child.exitCode !== null) throw new Error(`the process behind ${url} exited with code ${child.exitCode}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch { /* not listening yet */ }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} never became ready`);
}

/** The resident memory of a process in MiB (Linux /proc), or NaN when it cannot be read. */
export function rssMiB(pid: number | undefined): number {
  try {
    const kib = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
    return kib / 1024;
  } catch {
    return Number.NaN;
  }
}

/** Samples each process's RSS once a second until stopped, for its peak: RSS saws between full collections. */
export function sampleRss(pids: readonly (number | undefined)[], intervalMs = 1000): { stop: () => number[][] } {
  const samples = pids.map((): number[] => []);
  const take = () => pids.forEach((pid, i) => samples[i]!.push(rssMiB(pid)));
  take();
  const timer = setInterval(take, intervalMs);
  return {
    stop: () => {
      clearInterval(timer);
      take();
      return samples;
    },
  };
}

/** CPU time (user + system) a process has used, in seconds (Linux /proc), or NaN when it cannot be read. */
export function cpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime and stime, in clock ticks of 1/100 s
  } catch {
    return Number.NaN;
  }
}

/** CPU seconds used so far by every Postgres process on this machine (the server and its backends). */
export function postgresCpuSeconds(): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const command = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (command.startsWith('postgres') || command.includes('/bin/postgres')) total += cpuSeconds(Number(entry)) || 0;
    } catch { /* gone */ }
  }
  return total;
}

/**
 * CPU time the hypervisor took from this machine's virtual CPUs (steal), summed over them, in seconds (Linux
 * /proc/stat), or NaN when it cannot be read. A stall no process's clock explains shows here when it was the host's.
 */
export function stealSeconds(): number {
  try {
    const fields = /^cpu\s+(.*)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]?.split(/\s+/) ?? [];
    return Number(fields[7]) / 100; // USER_HZ is 100 on Linux
  } catch {
    return Number.NaN;
  }
}

export interface Measured { name: string; pid: number | undefined }

/**
 * Starts a reading of where the machine's CPU goes: each named process, Postgres, this driver and the host's steal.
 * The returned function ends the reading and gives it as text, in % of one core.
 */
export function cpuShares(processes: readonly Measured[]): () => string {
  const startedAt = performance.now();
  const start = { processes: processes.map(({ pid }) => cpuSeconds(pid)), postgres: postgresCpuSeconds(), driver: process.cpuUsage(), steal: stealSeconds() };
  return () => {
    const wallSeconds = (performance.now() - startedAt) / 1000;
    const pct = (used: number) => `${Math.round((used / wallSeconds) * 100)}%`;
    const driver = process.cpuUsage(start.driver);
    const parts = processes.map(({ name, pid }, i) => `${name} ${pct(cpuSeconds(pid) - start.processes[i]!)}`);
    parts.push(`Postgres ${pct(postgresCpuSeconds() - start.postgres)}`, `load driver ${pct((driver.user + driver.system) / 1e6)}`);
    return `CPU as % of one core (the machine has ${availableParallelism()}): ${parts.join(', ')}; stolen by the host ${pct(stealSeconds() - start.steal)}`;
  };
}
