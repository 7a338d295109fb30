// Small helpers the benchmarks share for the service process they start: readiness and resident memory.
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

export async function waitForReady(url: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
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

/** CPU seconds each part used between two readings: the service (and a separate job worker), Postgres, this driver. */
export interface CpuUse {
  wallSeconds: number;
  service: number;
  worker: number | null;
  postgres: number;
  driver: number;
  /** Taken by the hypervisor (steal), over all the machine's CPUs. */
  steal: number;
  /** As % of one core, for printing. */
  text: string;
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

/**
 * Where the machine's CPU went between two readings: the service (and a separate job worker), Postgres, this driver,
 * and the host's steal. `serviceName` names the measured server in the text (bench/http's bare route is not the service).
 */
export function cpuShares(servicePid: number | undefined, workerPid?: number, serviceName = 'service'): () => CpuUse {
  const start = { at: performance.now(), service: cpuSeconds(servicePid), worker: cpuSeconds(workerPid), postgres: postgresCpuSeconds(), driver: process.cpuUsage(), steal: stealSeconds() };
  return () => {
    const wallSeconds = (performance.now() - start.at) / 1000;
    const driverUsage = process.cpuUsage(start.driver);
    const use = {
      wallSeconds,
      service: cpuSeconds(servicePid) - start.service,
      worker: workerPid === undefined ? null : cpuSeconds(workerPid) - start.worker,
      postgres: postgresCpuSeconds() - start.postgres,
      driver: (driverUsage.user + driverUsage.system) / 1e6,
      steal: stealSeconds() - start.steal,
    };
    const pct = (used: number) => `${Math.round((used / wallSeconds) * 100)}%`;
    const worker = use.worker === null ? '' : `, job worker ${pct(use.worker)}`;
    return { ...use, text: `CPU as % of one core (the machine has ${availableParallelism()}): ${serviceName} ${pct(use.service)}${worker}, Postgres ${pct(use.postgres)}, load driver ${pct(use.driver)}; stolen by the host ${pct(use.steal)}` };
  };
}
