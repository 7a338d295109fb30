// The one place the service is wired: config → logger → the migrated database → the adapters (LocalCrm for the demo
// portal, HubSpot for installed ones) → the use cases' dependencies → the HTTP app and the job worker.
// `startService` listens, runs a worker in the same process unless WORKER_ENABLED=false, and stops gracefully on
// SIGTERM/SIGINT; `approval-router worker` runs workers only, and one-off commands take the CRMs from `connectCrms`.
import { createServer, type Server } from 'node:http';
import { loadConfig, signedBaseUrl, type Config } from './config.js';
import type { Crm } from './crm/crm.js';
import { LocalCrm } from './crm/local-crm.js';
import { migrateWithoutTimeout, type Db } from './db/database.js';
import { openDatabase, type OpenDatabase } from './db/open-database.js';
import { devSigningSecret } from './demo/dev-signing-secret.js';
import { seedDemoPortal } from './demo/seed-demo-portal.js';
import { createCaches, type Caches } from './cache/caches.js';
import { withDirectoryCache } from './cache/hubspot-directory.js';
import { AppError } from './errors.js';
import { createApp } from './http/app.js';
import { adminSettingsFrom } from './use-cases/admin/admin-settings.js';
import { queueIncidentFollowUps } from './use-cases/admin/incident-follow-ups.js';
import { connectHubSpot, type HubSpotSetup } from './hubspot/connect.js';
import { HubSpotCrm } from './hubspot/hubspot-crm.js';
import { jobBatchHandlers, jobHandlers } from './jobs/handlers.js';
import { JobWorker, type WorkerOptions } from './jobs/worker.js';
import { createLogger, secretValues, type Logger } from './logger.js';
import { createMetrics, instrumentCrm, type Metrics } from './metrics.js';
import { pruneFinishedJobs } from './store/jobs.js';
import type { ServiceDeps } from './use-cases/deps.js';
import { applyPostureToAllPortals } from './use-cases/rollout/posture.js';

/** What the HTTP service and the job workers share, built once per process. */
export interface Runtime {
  metrics: Metrics;
  config: Config;
  logger: Logger;
  database: OpenDatabase;
  hubspot: HubSpotSetup;
  deps: ServiceDeps;
}

export async function buildRuntime(options: { config?: Config; logger?: Logger } = {}): Promise<Runtime> {
  const config = options.config ?? loadConfig();
  const logger = options.logger ?? createLogger({ level: config.LOG_LEVEL, secrets: secretValues(config) });
  const database = await openDatabase(config, logger, { statementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS });
  try {
    const applied = await migrateWithoutTimeout(database.url, logger);
    if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated');
    const db = database.db;
    if (config.NODE_ENV !== 'production') {
      const seeded = await seedDemoPortal(db, new Date().toISOString());
      if (seeded.created) logger.info('seeded the local demo portal (portal id 1) from examples/');
    }
    const now = () => new Date();
    const metrics = createMetrics(db, { clock: now });
    const cache = createCaches();
    const { hubspot, crmFor } = connectCrms({ db, config, logger, metrics, cache });
    if (!hubspot.configured) logger.info({ missing: hubspot.missing }, 'HubSpot is not configured: serving the local demo portal only');
    const deps: ServiceDeps = { db, logger, now, cache, crmFor };
    return { config, logger, database, hubspot, deps, metrics };
  } catch (error) {
    await database.close().catch(() => undefined);
    throw error;
  }
}

/**
 * The CRM each portal's deals live in: LocalCrm for the demo portal, HubSpot for installed ones. Without HubSpot
 * credentials an installed portal's calls fail with a clear 503; with metrics, HubSpot calls are counted.
 */
export function connectCrms(deps: { db: Db; config: Config; logger: Logger; metrics?: Metrics; cache?: Caches }): { hubspot: HubSpotSetup; crmFor: ServiceDeps['crmFor'] } {
  const localCrm = new LocalCrm(deps.db);
  const hubspot = connectHubSpot({ db: deps.db, config: deps.config, logger: deps.logger });
  let hubspotCrm: Crm;
  if (!hubspot.configured) hubspotCrm = unconnectedCrm(hubspot.missing);
  else {
    const crm = new HubSpotCrm({ clientFor: hubspot.connection.clientFor });
    const counted = deps.metrics ? instrumentCrm(crm, deps.metrics) : crm;
    hubspotCrm = deps.cache ? withDirectoryCache(counted, deps.cache.hubspotDirectory) : counted;
  }
  return { hubspot, crmFor: (portal) => (portal.installState === 'demo' ? localCrm : hubspotCrm) };
}

export function createWorker(runtime: Runtime, options: Pick<WorkerOptions, 'onOutcome' | 'onTick'> = {}): JobWorker {
  return new JobWorker(runtime.deps, {
    handlers: jobHandlers,
    batchHandlers: jobBatchHandlers,
    budget: { perTenSeconds: runtime.config.SYNC_RATE_PER_10S, daily: runtime.config.SYNC_DAILY_BUDGET },
    lockSeconds: runtime.config.JOB_LOCK_SECONDS,
    onOutcome: (kind, outcome) => runtime.metrics.jobOutcomes.inc({ kind, outcome }),
    // Posture: a policy whose evaluations, routes or syncs are failing rolls back to the last stable version.
    onTick: async () => {
      const results = await applyPostureToAllPortals(runtime.deps.db, runtime.deps.now(), { logger: runtime.logger });
      for (const { portalId, posture } of results) runtime.metrics.posture.set({ portal: portalId }, { healthy: 0, degraded: 1, critical: 2 }[posture]);
      const pruned = await pruneFinishedJobs(runtime.deps.db, runtime.config.JOB_RETENTION_DAYS, runtime.deps.now());
      if (pruned > 0) runtime.logger.info({ pruned, retentionDays: runtime.config.JOB_RETENTION_DAYS }, 'deleted finished jobs past their retention');
      const followUps = await queueIncidentFollowUps(runtime.deps, runtime.config.INCIDENT_FOLLOW_UP_HOURS);
      if (followUps > 0) runtime.logger.info({ followUps }, 'queued follow-up tasks for open incidents');
    },
    ...options,
  });
}

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
      adminSettings: adminSettingsFrom(config),
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

/** Installed portals need HubSpot credentials; without them their card requests get a clear 503. */
function unconnectedCrm(missing: string[]): Crm {
  const refuse = () => Promise.reject(new AppError('unavailable', `HubSpot is not configured on this server (missing ${missing.join(', ')})`));
  return { getDeal: refuse, getDirectory: refuse, addNote: refuse, addTask: refuse, updateDeals: refuse, getSuperAdmins: refuse };
}
