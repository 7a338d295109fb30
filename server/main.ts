// Wires the service: the shared runtime (config, logger, migrated database, CRMs) → app → listen, plus a job
// worker in the same process unless WORKER_ENABLED=false; stops gracefully on SIGTERM/SIGINT.
import { createServer, type Server } from 'node:http';
import { signedBaseUrl, type Config } from './config.js';
import { devSigningSecret } from './demo/dev-signing-secret.js';
import { createApp } from './http/app.js';
import type { Logger } from './logger.js';
import { buildRuntime, createWorker } from './runtime.js';

export interface RunningService {
  url: string;
  stop: (reason?: string) => Promise<void>;
}

export async function startService(options: { config?: Config; logger?: Logger } = {}): Promise<RunningService> {
  const runtime = await buildRuntime(options);
  const { config, logger, database, hubspot, deps, metrics } = runtime;
  let server: Server | undefined;
  try {
    const app = createApp({
      ...deps,
      hubspot,
      metrics,
      metricsToken: config.METRICS_TOKEN,
      signature: { secret: config.HUBSPOT_CLIENT_SECRET ?? devSigningSecret(), baseUrl: signedBaseUrl(config) },
    });
    server = await listen(app, config);
  } catch (error) {
    await database.close().catch(() => undefined);
    throw error;
  }
  const worker = config.WORKER_ENABLED ? createWorker(runtime) : undefined;
  worker?.start();
  const url = `http://${config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST}:${config.PORT}`;
  logger.info({ url, embeddedPostgres: database.embedded, worker: Boolean(worker) }, 'approval-router is listening');

  let stopping: Promise<void> | undefined;
  const stop = (reason = 'stop requested') => {
    stopping ??= (async () => {
      logger.info({ reason }, 'shutting down: no new requests, draining');
      await Promise.all([drain(server, config.SHUTDOWN_TIMEOUT_MS), worker?.stop()]);
      await database.close();
      logger.info('stopped');
    })();
    return stopping;
  };
  return { url, stop };
}

function listen(app: ReturnType<typeof createApp>, config: Config): Promise<Server> {
  const port = config.PORT;
  return new Promise((resolve, reject) => {
    const server = createServer({
      headersTimeout: config.HTTP_HEADERS_TIMEOUT_MS,
      requestTimeout: config.HTTP_REQUEST_TIMEOUT_MS,
      keepAliveTimeout: config.HTTP_KEEP_ALIVE_TIMEOUT_MS,
      // Node looks for connections past the headers or request timeout every 30 s by default, which would let a
      // slow client hold a connection for up to that much longer than configured.
      connectionsCheckingInterval: 1_000,
    }, app);
    server.listen(port, config.HOST);
    server.once('listening', () => resolve(server));
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'EADDRINUSE' ? new Error(`Port ${port} is already in use: set PORT to a free port.`) : error);
    });
  });
}

/** Stop accepting, let in-flight requests finish, then cut what is left after the timeout. */
function drain(server: Server | undefined, timeoutMs: number): Promise<void> {
  if (!server) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => { server.closeAllConnections(); }, timeoutMs);
    server.close(() => { clearTimeout(timer); resolve(); });
    server.closeIdleConnections();
  });
}
