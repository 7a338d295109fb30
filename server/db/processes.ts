// What this machine says about a process: alive or not, its command line, when it started (Linux /proc; elsewhere
// only "alive" is known).
import { readFileSync } from 'node:fs';

/**
 * Alive, also when it runs as another user (as root, the embedded Postgres runs as `postgres`). A zombie (exited,
 * not yet reaped) is dead: a Postgres orphaned by a killed run may wait long for an init that is slow to reap it.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return statFields(pid)?.[0] !== 'Z';
}

/** The fields of /proc/<pid>/stat after the command name (the first is the state), or null where unreadable. */
function statFields(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** The process's command line, or null where it cannot be read (no /proc, or the process is gone). */
export function commandOf(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return null;
  }
}

/**
 * When the process started, in clock ticks since boot, or '' where it cannot be read: with the pid, it names the
 * process, where a pid alone may be reused by a later one.
 */
export function startTimeOf(pid: number): string {
  return statFields(pid)?.[19] ?? '';
}
