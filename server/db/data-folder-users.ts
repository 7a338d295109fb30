// Which live processes use an embedded Postgres data folder: each one that starts or shares the Postgres leaves a
// file named by its pid in the folder, and removes it when it stops. The last one out stops Postgres; a process that
// finds another still there leaves it running, whichever of them started it. An idle process may hold no
// connection at all, so Postgres's own list of clients cannot tell this.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isAlive, startTimeOf } from './processes.js';

const USERS_DIR = 'approval-router.users';

/** Records this process as a user of the folder; the result takes it off again. */
export function joinDataFolder(dataDir: string): () => void {
  const dir = path.join(dataDir, USERS_DIR);
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, String(process.pid));
  writeFileSync(file, startTimeOf(process.pid));
  return () => rmSync(file, { force: true });
}

/** The pids of the other live processes using the folder; the files of those that died are removed on the way. */
export function otherUsersOf(dataDir: string): number[] {
  const dir = path.join(dataDir, USERS_DIR);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const users: number[] = [];
  for (const name of names) {
    const pid = Number.parseInt(name, 10);
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) continue;
    const file = path.join(dir, name);
    let started = '';
    try { started = readFileSync(file, 'utf8').trim(); } catch { continue; }
    // The same pid started at another time is a later process that got the number: the user is gone.
    if (isAlive(pid) && (started === '' || startTimeOf(pid) === '' || startTimeOf(pid) === started)) users.push(pid);
    else rmSync(file, { force: true });
  }
  return users;
}
