// What the HTTP service and the job workers share: config, logger, the migrated database, the CRMs, HubSpot.
// Built once per process by server/main.ts (serve) or server/commands/worker.ts (workers only).
import { createCaches } from './cache/caches.js';
import { withDirectoryCache } from './cache/hubspot-directory.js';
import { loadConfig, type Config } from './config.js';
import type { Crm } from './crm/crm.js';
import { LocalCrm } from './crm/local-crm.js';
import { migrateWithoutTimeout } from './db/database.js';
import { openDatabase, type OpenDatabase } from './db/open-database.js';
import { seedDemoPortal } from './demo/seed-demo-portal.js';
import { AppError } from './errors.js';
import { connectHubSpot, type HubSpotSetup } from './hubspot/connect.js';
import { HubSpotCrm } from './hubspot/hubspot-crm.js';
import { jobBatchHandlers, jobHandlers } from './jobs/handlers.js';
import { pruneFinishedJobs } from './store/jobs.js';
import { applyPostureToAllPortals } from './use-cases/rollout/posture.js';
import { JobWorker, type WorkerOptions } from './jobs/worker.js';
import { createLogger, secretValues, type Logger } from './logger.js';
import { createMetrics, instrumentCrm, type Metrics } from './metrics.js';
import type { ServiceDeps } from './use-cases/deps.js';

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
    const localCrm = new LocalCrm(db);
    const hubspot = connectHubSpot({ db, config, logger });
    if (!hubspot.configured) logger.info({ missing: hubspot.missing }, 'HubSpot is not configured: serving the local demo portal only');
    const now = () => new Date();
    const metrics = createMetrics(db, { clock: now });
    const cache = createCaches();
    const hubspotCrm: Crm = hubspot.configured
      ? withDirectoryCache(instrumentCrm(new HubSpotCrm({ clientFor: hubspot.connection.clientFor }), metrics), cache.hubspotDirectory)
      : unconnectedCrm(hubspot.missing);
    const deps: ServiceDeps = {
      db, logger, now, cache,
      crmFor: (portal) => (portal.installState === 'demo' ? localCrm : hubspotCrm),
    };
    return { config, logger, database, hubspot, deps, metrics };
  } catch (error) {
    await database.close().catch(() => undefined);
    throw error;
  }
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
    },
    ...options,
  });
}

/** Installed portals need HubSpot credentials; without them their card requests get a clear 503. */
function unconnectedCrm(missing: string[]): Crm {
  const refuse = () => Promise.reject(new AppError('unavailable', `HubSpot is not configured on this server (missing ${missing.join(', ')})`));
  return { getDeal: refuse, getDirectory: refuse, addNote: refuse, addTask: refuse, updateDeals: refuse };
}
