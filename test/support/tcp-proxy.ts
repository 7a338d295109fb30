// A loopback proxy that tests can cut and restore, to make a real Postgres unreachable and back. It listens on a TCP
// port or on a Unix socket named as Postgres names its own: cut, the socket file is gone, as when Postgres stops.
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { createDb, type Db } from '../../server/db/database.js';

export interface TcpProxy {
  /** The TCP port it listens on (0 when it listens on a Unix socket). */
  port: number;
  cut: () => Promise<void>;
  restore: () => Promise<void>;
  close: () => Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }, options: { socketPath?: string } = {}): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;

  const listen = () => new Promise<void>((resolve, reject) => {
    server = createServer((client) => {
      const upstream = createConnection(target);
      sockets.add(client).add(upstream);
      const drop = () => { client.destroy(); upstream.destroy(); sockets.delete(client); sockets.delete(upstream); };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
      client.pipe(upstream).pipe(client);
    });
    server.once('error', reject);
    const listening = () => {
      const address = server?.address();
      if (address && typeof address === 'object') port = address.port;
      resolve();
    };
    if (options.socketPath) server.listen(options.socketPath, listening);
    else server.listen(port, '127.0.0.1', listening);
  });
  // Closing a server on a Unix socket removes the socket file.
  const stop = () => new Promise<void>((resolve) => {
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    if (!server) return resolve();
    server.close(() => resolve());
    server = undefined;
  });

  await listen();
  return { get port() { return port; }, cut: stop, restore: listen, close: stop };
}

/**
 * Registers hooks that give the current describe block a knex pool reaching the test database through a proxy
 * the test can cut (`proxy().cut()`) and restore, to take Postgres away from a running app and bring it back:
 * over TCP, or through a Unix socket as the service reaches its embedded Postgres.
 */
export function useProxiedDatabase(databaseUrl: () => string, options: { poolMax?: number; via?: 'tcp' | 'unix-socket' } = {}): { db: () => Db; proxy: () => TcpProxy } {
  let proxy: TcpProxy | undefined;
  let db: Db | undefined;
  let socketDir: string | undefined;
  beforeAll(async () => {
    const url = new URL(databaseUrl());
    const target = { host: url.hostname, port: Number(url.port || 5432) };
    url.searchParams.delete('host'); // the target is reached over TCP, whatever the test database's own URL says
    if (options.via === 'unix-socket') {
      // A short folder of its own: a socket's path may not exceed 107 bytes.
      socketDir = mkdtempSync('/tmp/ar-pg-');
      proxy = await startTcpProxy(target, { socketPath: path.join(socketDir, `.s.PGSQL.${target.port}`) });
      url.searchParams.set('host', socketDir);
    } else {
      proxy = await startTcpProxy(target);
      url.hostname = '127.0.0.1';
      url.port = String(proxy.port);
    }
    db = createDb(url.toString(), { poolMax: options.poolMax ?? 2 });
  });
  afterAll(async () => {
    await db?.destroy();
    await proxy?.close();
    if (socketDir) rmSync(socketDir, { recursive: true, force: true });
  });
  const ready = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the proxied database is not ready: call useProxiedDatabase() in a describe block');
    return value;
  };
  return { db: () => ready(db), proxy: () => ready(proxy) };
}
