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
import { devLinkSigningKey } from './demo/dev-link-signing-key.js';
import { devSigningSecret } from './demo/dev-signing-secret.js';
import { seedDemoPortal } from './demo/seed-demo-portal.js';
import { createCaches, type Caches } from './cache/caches.js';
import { withDirectoryCache } from './cache/hubspot-directory.js';
import { AppError } from './errors.js';
import { createApp } from './http/app.js';
import { adminSettingsFrom } from './use-cases/admin/admin-settings.js';
import { runMinuteHousekeeping } from './use-cases/admin/housekeeping.js';
import { connectHubSpot, type HubSpotSetup } from './hubspot/connect.js';
import type { CallerKind } from './hubspot/hubspot-budget.js';
import { jobBatchHandlers, jobHandlers } from './jobs/handlers.js';
import { JobWorker, type WorkerOptions } from './jobs/worker.js';
import { createLogger, secretValues, type Logger } from './logger.js';
import { createMailer } from './mail/create-mailer.js';
import { createMetrics, type Metrics } from './metrics.js';
import { setUpSlack } from './slack/slack-setup.js';
import type { ServiceDeps } from './use-cases/deps.js';
import type { EmailDeps } from './use-cases/email/email-deps.js';

/** What the HTTP service and the job workers share, built once per process. */
export interface Runtime {
  metrics: Metrics;
  config: Config;
  logger: Logger;
  database: OpenDatabase;
  hubspot: HubSpotSetup;
  /** For the HTTP app: its HubSpot calls are interactive (a person waits). */
  deps: ServiceDeps;
  /** For job workers: the same, with background HubSpot calls and the jobs' pool (OpenDatabase.jobsDb). */
  workerDeps: ServiceDeps;
}

/** `workerBesideService`: the process serves HTTP and runs its job worker too (`serve` with WORKER_ENABLED). */
export async function buildRuntime(options: { config?: Config; logger?: Logger; workerBesideService?: boolean } = {}): Promise<Runtime> {
  const config = options.config ?? loadConfig();
  const logger = options.logger ?? createLogger({ level: config.LOG_LEVEL, secrets: secretValues(config) });
  const database = await openDatabase(config, logger, { statementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS, jobsShareThePool: options.workerBesideService ?? false });
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
    const { hubspot, crmFor } = connectCrms({ db, jobsDb: database.jobsDb, config, logger, metrics, cache, now });
    if (!hubspot.configured) logger.info({ missing: hubspot.missing }, 'HubSpot is not configured: serving the local demo portal only');
    const email = connectEmail(config, logger);
    const deps: ServiceDeps = { db, logger, now, cache, crmFor: crmFor('interactive'), ...(email ? { email } : {}), slack: setUpSlack(config, { logger }) };
    return { config, logger, database, hubspot, deps, workerDeps: { ...deps, db: database.jobsDb, crmFor: crmFor('background') }, metrics };
  } catch (error) {
    await database.close().catch(() => undefined);
    throw error;
  }
}

/**
 * The CRM each portal's deals live in: LocalCrm for the demo portal, HubSpot for installed ones. Without HubSpot
 * credentials an installed portal's calls fail with a clear 503. Every HubSpot call spends the portal's one budget,
 * as the kind of caller chosen here: whoever builds a use case's dependencies says whether a person waits on them
 * (the HTTP app, commands: interactive) or a job does (workers: background).
 */
export function connectCrms(deps: { db: Db; jobsDb?: Db; config: Config; logger: Logger; metrics?: Metrics; cache?: Caches; now: () => Date }): { hubspot: HubSpotSetup; crmFor: (caller: CallerKind) => ServiceDeps['crmFor'] } {
  // The demo portal's CRM is tables in our database: a job's writes to it go through the jobs' pool, as its others do.
  const localCrms: Record<CallerKind, Crm> = {
    interactive: new LocalCrm({ db: deps.db, now: deps.now }),
    background: new LocalCrm({ db: deps.jobsDb ?? deps.db, now: deps.now }),
  };
  const hubspot = connectHubSpot({
    db: deps.db, config: deps.config, logger: deps.logger, now: deps.now,
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
  });
  const hubspotCrm = (caller: CallerKind): Crm => {
    if (!hubspot.configured) return unconnectedCrm(hubspot.missing);
    const crm = hubspot.connection.crm(caller);
    // One directory cache for both kinds: a copy read for a job serves a card view, and the other way round.
    return deps.cache ? withDirectoryCache(crm, deps.cache.hubspotDirectory) : crm;
  };
  const crms: Record<CallerKind, Crm> = { interactive: hubspotCrm('interactive'), background: hubspotCrm('background') };
  return { hubspot, crmFor: (caller) => (portal) => (portal.installState === 'demo' ? localCrms[caller] : crms[caller]) };
}

/** Approval emails: the mailer (SMTP, or .eml files in development) and the keys and base URL of their links. */
export function connectEmail(config: Config, logger: Logger): EmailDeps | undefined {
  if (config.NODE_ENV === 'production' && config.LINK_SIGNING_KEY === undefined) {
    logger.warn('LINK_SIGNING_KEY is unset: no approval email is sent from this server');
    return undefined;
  }
  const mailer = createMailer(config);
  if (mailer) logger.info({ mail: mailer.description }, `approval emails go to ${mailer.description}`);
  else logger.warn('SMTP_HOST is unset: no approval email is sent from this server');
  const linkKeys = config.LINK_SIGNING_KEY?.split(',').map((key) => key.trim()) ?? [devLinkSigningKey()];
  return { mailer, linkKeys, baseUrl: signedBaseUrl(config) };
}

export function createWorker(runtime: Runtime, options: Pick<WorkerOptions, 'onOutcome' | 'onTick'> = {}): JobWorker {
  return new JobWorker(runtime.workerDeps, {
    handlers: jobHandlers,
    batchHandlers: jobBatchHandlers,
    lockSeconds: runtime.config.JOB_LOCK_SECONDS,
    onOutcome: (kind, outcome) => runtime.metrics.jobOutcomes.inc({ kind, outcome }),
    onTick: async (workerId) => {
      const done = await runMinuteHousekeeping(runtime.workerDeps, workerId, {
        jobRetentionDays: runtime.config.JOB_RETENTION_DAYS,
        webhookRetentionDays: runtime.config.WEBHOOK_RETENTION_DAYS,
        incidentFollowUpHours: runtime.config.INCIDENT_FOLLOW_UP_HOURS,
      });
      if (!done) return;
      if (done.prunedJobs > 0) runtime.logger.info({ pruned: done.prunedJobs, retentionDays: runtime.config.JOB_RETENTION_DAYS }, 'deleted finished jobs past their retention');
      const inbox = done.prunedWebhookEvents;
      if (inbox.events + inbox.quarantined > 0) runtime.logger.info({ ...inbox, retentionDays: runtime.config.WEBHOOK_RETENTION_DAYS }, 'deleted webhook events past their retention');
      if (done.followUps > 0) runtime.logger.info({ followUps: done.followUps }, 'queued follow-up tasks for open incidents');
    },
    ...options,
  });
}

export interface RunningService {
  url: string;
  stop: (reason?: string) => Promise<void>;
}

export async function startService(options: { config?: Config; logger?: Logger } = {}): Promise<RunningService> {
  const config = options.config ?? loadConfig();
  const runtime = await buildRuntime({ ...options, config, workerBesideService: config.WORKER_ENABLED });
  const { logger, database, hubspot, deps, metrics } = runtime;
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
      deps.email?.mailer?.close();
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
  return { getDeal: refuse, getDirectory: refuse, addNote: refuse, addTask: refuse, completeTask: refuse, updateDeals: refuse, getSuperAdmins: refuse };
}
