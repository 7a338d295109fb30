// Wires the service: config → logger → database (migrated) → app → listen; stops gracefully on SIGTERM/SIGINT.
import type { Server } from 'node:http';
import { loadConfig, type Config } from './config.js';
import { createLogger, type Logger } from './logger.js';
import { migrateToLatest } from './db/database.js';
import { openDatabase } from './db/open-database.js';
import { createApp } from './http/app.js';
import { LocalCrm } from './crm/local-crm.js';
import { connectHubSpot } from './hubspot/connect.js';
import { HubSpotCrm } from './hubspot/hubspot-crm.js';
import type { Crm } from './crm/crm.js';
import { AppError } from './errors.js';
import { devSigningSecret } from './demo/dev-signing-secret.js';
import { seedDemoPortal } from './demo/seed-demo-portal.js';

export interface RunningService {
  url: string;
  stop: (reason?: string) => Promise<void>;
}

export async function startService(options: { config?: Config; logger?: Logger } = {}): Promise<RunningService> {
  const config = options.config ?? loadConfig();
  const logger = options.logger ?? createLogger({ level: config.LOG_LEVEL });
  const database = await openDatabase(config, logger);
  let server: Server | undefined;
  try {
    const applied = await migrateToLatest(database.db);
    if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated');
    const db = database.db;
    if (config.NODE_ENV !== 'production') {
      const seeded = await seedDemoPortal(db, new Date().toISOString());
      if (seeded.created) logger.info('seeded the local demo portal (portal id 1) from examples/');
    }
    const localCrm = new LocalCrm(db);
    const hubspot = connectHubSpot({ db, config, logger });
    if (!hubspot.configured) logger.info({ missing: hubspot.missing }, 'HubSpot is not configured: serving the local demo portal only');
    const hubspotCrm: Crm = hubspot.configured ? new HubSpotCrm({ clientFor: hubspot.connection.clientFor }) : unconnectedCrm(hubspot.missing);
    const app = createApp({
      logger,
      db,
      hubspot,
      now: () => new Date(),
      crmFor: (portal) => (portal.installState === 'demo' ? localCrm : hubspotCrm),
      signature: { secret: config.HUBSPOT_CLIENT_SECRET ?? devSigningSecret(), publicBaseUrl: config.PUBLIC_BASE_URL },
    });
    server = await listen(app, config.PORT, config.HOST);
  } catch (error) {
    await database.close().catch(() => undefined);
    throw error;
  }
  const url = `http://${config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST}:${config.PORT}`;
  logger.info({ url, embeddedPostgres: database.embedded }, 'approval-router is listening');

  let stopping: Promise<void> | undefined;
  const stop = (reason = 'stop requested') => {
    stopping ??= (async () => {
      logger.info({ reason }, 'shutting down: no new requests, draining');
      await drain(server, config.SHUTDOWN_TIMEOUT_MS);
      await database.close();
      logger.info('stopped');
    })();
    return stopping;
  };
  return { url, stop };
}

function listen(app: ReturnType<typeof createApp>, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host);
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

/** Installed portals need HubSpot credentials; without them their card requests get a clear 503. */
function unconnectedCrm(missing: string[]): Crm {
  const refuse = () => Promise.reject(new AppError('unavailable', `HubSpot is not configured on this server (missing ${missing.join(', ')})`));
  return { getDeal: refuse, getDirectory: refuse, addNote: refuse, addTask: refuse, updateDeals: refuse };
}
