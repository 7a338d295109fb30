// A loopback TCP proxy that tests can cut and restore, to make a real Postgres unreachable and back.
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll } from 'vitest';
import { createDb, type Db } from '../../server/db/database.js';

export interface TcpProxy {
  port: number;
  cut: () => Promise<void>;
  restore: () => Promise<void>;
  close: () => Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
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
    server.listen(port, '127.0.0.1', () => {
      const address = server?.address();
      if (address && typeof address === 'object') port = address.port;
      resolve();
    });
  });
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
 * the test can cut (`proxy().cut()`) and restore, to take Postgres away from a running app and bring it back.
 */
export function useProxiedDatabase(databaseUrl: () => string, options: { poolMax?: number } = {}): { db: () => Db; proxy: () => TcpProxy } {
  let proxy: TcpProxy | undefined;
  let db: Db | undefined;
  beforeAll(async () => {
    const url = new URL(databaseUrl());
    proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port || 5432) });
    url.hostname = '127.0.0.1';
    url.port = String(proxy.port);
    url.searchParams.delete('host'); // through the proxy's TCP port, not the embedded Postgres's Unix socket
    db = createDb(url.toString(), { poolMax: options.poolMax ?? 2 });
  });
  afterAll(async () => {
    await db?.destroy();
    await proxy?.close();
  });
  const ready = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the proxied database is not ready: call useProxiedDatabase() in a describe block');
    return value;
  };
  return { db: () => ready(db), proxy: () => ready(proxy) };
}
