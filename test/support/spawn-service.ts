// Runs the real entry point (`bin/approval-router.js serve`) as a child process, for tests of start-up and shutdown.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface SpawnedService {
  child: ChildProcess;
  url: string;
  /** The URL the service verifies signatures over: PUBLIC_BASE_URL, else http://localhost:PORT (see signedBaseUrl). */
  signedBaseUrl: string;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Spawns a service or worker with a scratch folder for its development .eml files (MAIL_DIR), removed when the process
 * exits, so tests and benchmarks never fill the developer's ./data/mail.
 */
export function withScratchMail(start: (mailDir: string) => ChildProcess): ChildProcess {
  const mailDir = mkdtempSync(path.join(tmpdir(), 'approval-router-mail-'));
  const child = start(mailDir);
  child.once('exit', () => rmSync(mailDir, { recursive: true, force: true }));
  return child;
}

/** `approval-router serve` (or, with `command`, `approval-router worker`, which answers no HTTP) as a child process. */
export async function spawnService(env: Record<string, string | undefined>, command: 'serve' | 'worker' = 'serve'): Promise<SpawnedService> {
  const port = Number(env.PORT ?? (await freePort()));
  const childEnv: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'development', LOG_LEVEL: 'info', ...env, PORT: String(port) };
  for (const [key, value] of Object.entries(childEnv)) if (value === undefined) delete childEnv[key];
  const child = withScratchMail((mailDir) => spawn(process.execPath, [path.resolve('bin/approval-router.js'), command], {
    env: { MAIL_DIR: mailDir, ...childEnv }, stdio: ['ignore', 'pipe', 'pipe'],
  }));
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  child.stderr?.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  return { child, url: `http://127.0.0.1:${port}`, signedBaseUrl: childEnv.PUBLIC_BASE_URL ?? `http://localhost:${port}`, output: () => output, exited };
}

export async function waitForReady(service: SpawnedService, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (service.child.exitCode !== null) throw new Error(`the service exited early:\n${service.output()}`);
    try {
      const response = await fetch(`${service.url}/readyz`);
      // Only this child's answer counts: it must have said it runs there (a port freed by another test could be taken).
      if (response.status === 200 && service.output().includes(`is running at ${service.url} `)) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the service was not ready within ${timeoutMs} ms:\n${service.output()}`);
}
