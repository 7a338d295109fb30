// The sync handler: writes a batch of one portal's deal properties to the CRM (up to 100 deals a call), within
// the portal's budget, never the same change twice. Each job's outcome is returned for the worker to record.
import { ENGINE_VERSION, hashJson } from '../../../src/hash.js';
import { AppError } from '../../errors.js';
import { HubSpotApiError } from '../../hubspot/hubspot-errors.js';
import { PortalUninstalledError } from '../../hubspot/token-store.js';
import { findPortal } from '../../store/portals.js';
import { appendTrace } from '../../store/traces.js';
import type { BudgetLimits } from '../../store/budgets.js';
import { blockPortal, deferSyncs, takeBudget } from '../../store/budgets.js';
import type { SyncDealPayload } from './deal-sync.js';
import type { ClaimedJob, JobDeps } from '../../jobs/types.js';

export type JobOutcome =
  | { kind: 'done'; note: string }
  | { kind: 'retry'; afterSeconds: number; countsAsAttempt: boolean; error: string }
  | { kind: 'dead'; reason: string };

interface SyncedRow { deal_id: string; fingerprint: string; state: 'writing' | 'written'; request_id: string; version: number }

export async function syncDeals(deps: JobDeps, portalId: string, jobs: ClaimedJob<SyncDealPayload>[], limits: BudgetLimits): Promise<Map<string, JobOutcome>> {
  const outcomes = new Map<string, JobOutcome>();
  const all = (outcome: JobOutcome) => { for (const job of jobs) if (!outcomes.has(job.id)) outcomes.set(job.id, outcome); return outcomes; };
  const portal = await findPortal(deps.db, portalId);
  if (!portal || portal.installState === 'uninstalled') return all({ kind: 'dead', reason: 'the portal uninstalled the app' });
  if (portal.featureFlag !== 'on') return all({ kind: 'done', note: `skipped: the portal flag is ${portal.featureFlag}` });

  const synced = new Map((await deps.db('synced_properties').where({ portal_id: portalId }).whereIn('deal_id', jobs.map((job) => job.payload.dealId))
    .select<SyncedRow[]>('deal_id', 'fingerprint', 'state', 'request_id', 'version')).map((row) => [row.deal_id, row]));
  const crm = deps.crmFor(portal);
  const toWrite: ClaimedJob<SyncDealPayload>[] = [];
  for (const job of jobs) {
    const { dealId, requestId, version, properties } = job.payload;
    const fingerprint = hashJson(properties);
    const last = synced.get(dealId);
    if (last && last.request_id === requestId && last.version > version) { outcomes.set(job.id, { kind: 'done', note: `skipped: version ${last.version} is already synced` }); continue; }
    if (last?.fingerprint === fingerprint && last.state === 'written') { outcomes.set(job.id, { kind: 'done', note: 'skipped: the deal already says this' }); continue; }
    if (last?.fingerprint === fingerprint && last.state === 'writing') {
      // A worker died between marking and confirming this write: read the deal back rather than write twice.
      const deal = await crm.getDeal(portalId, dealId, Object.keys(properties));
      if (deal && Object.entries(properties).every(([name, value]) => (deal.properties[name] ?? '') === value)) {
        await markWritten(deps, portalId, [dealId]);
        outcomes.set(job.id, { kind: 'done', note: 'confirmed: an interrupted write had landed' });
        continue;
      }
    }
    toWrite.push(job);
  }
  if (toWrite.length === 0) return outcomes;

  const calls = Math.ceil(toWrite.length / 100);
  const budget = await takeBudget(deps.db, portalId, calls, limits, deps.now());
  if (!budget.ok) {
    if (budget.reason === 'daily') await deferForTheDay(deps, portalId, budget.retryAfterSeconds, `the portal's daily budget of ${limits.daily} HubSpot calls is spent`, jobs.length);
    return all({ kind: 'retry', afterSeconds: budget.retryAfterSeconds, countsAsAttempt: false, error: `portal over its ${budget.reason} budget` });
  }

  // Marked `writing` before the call, all in one statement: a worker that dies mid-call leaves the mark to be read back.
  const now = deps.now();
  const marks = toWrite.map((job) => job.payload);
  await deps.db.raw(
    `INSERT INTO synced_properties (portal_id, deal_id, properties, fingerprint, state, request_id, version, synced_at)
     SELECT ?, m.deal_id, m.properties::jsonb, m.fingerprint, 'writing', m.request_id, m.version, ?
     FROM unnest(?::text[], ?::text[], ?::text[], ?::uuid[], ?::int[]) AS m(deal_id, properties, fingerprint, request_id, version)
     ON CONFLICT (portal_id, deal_id) DO UPDATE SET properties = EXCLUDED.properties, fingerprint = EXCLUDED.fingerprint,
       state = 'writing', request_id = EXCLUDED.request_id, version = EXCLUDED.version, synced_at = EXCLUDED.synced_at`,
    [portalId, now, marks.map((m) => m.dealId), marks.map((m) => JSON.stringify(m.properties)), marks.map((m) => hashJson(m.properties)),
      marks.map((m) => m.requestId), marks.map((m) => m.version)],
  );

  try {
    const result = await crm.updateDeals(portalId, toWrite.map((job) => ({ id: job.payload.dealId, properties: job.payload.properties })));
    const failed = new Map(result.failed.flatMap((failure) => failure.ids.map((id) => [id, `${failure.category}: ${failure.message}`] as const)));
    const written: string[] = [];
    for (const job of toWrite) {
      const problem = failed.get(job.payload.dealId);
      if (problem) outcomes.set(job.id, { kind: 'dead', reason: `the CRM refused the write: ${problem}` });
      else {
        written.push(job.payload.dealId);
        outcomes.set(job.id, { kind: 'done', note: 'written' });
      }
    }
    await markWritten(deps, portalId, written);
    await appendTrace(deps.db, {
      portalId, kind: 'sync',
      input: { deals: toWrite.map((job) => ({ dealId: job.payload.dealId, requestId: job.payload.requestId, version: job.payload.version, properties: job.payload.properties })) },
      output: { updated: result.updated, failed: result.failed, calls: result.calls },
      engineVersion: ENGINE_VERSION, occurredAt: deps.now().toISOString(),
    });
  } catch (error) {
    await deps.db('synced_properties').where({ portal_id: portalId, state: 'writing' }).whereIn('deal_id', toWrite.map((job) => job.payload.dealId)).delete();
    if (error instanceof PortalUninstalledError) return all({ kind: 'dead', reason: 'the portal uninstalled the app' });
    if (error instanceof HubSpotApiError && error.retryable) {
      // HubSpot's daily limit turns with the day: asking again every few seconds would only pile up 429s.
      const wait = error.dailyLimitReached ? secondsToNextUtcDay(deps.now()) : error.retryAfterSeconds ?? 10;
      if (error.hubspotStatus === 429) await blockPortal(deps.db, portalId, new Date(deps.now().getTime() + wait * 1000));
      if (error.dailyLimitReached) await deferForTheDay(deps, portalId, wait, 'HubSpot\'s daily API limit for the portal is reached', jobs.length);
      const why = error.dailyLimitReached ? `${error.message} (daily limit: waiting for the next UTC day)` : error.message;
      return all({ kind: 'retry', afterSeconds: wait, countsAsAttempt: error.hubspotStatus !== 429, error: why });
    }
    const message = error instanceof AppError ? error.message : 'unexpected error while writing to the CRM';
    deps.logger.warn({ err: error, portalId }, 'deal sync failed');
    return all({ kind: 'retry', afterSeconds: 30, countsAsAttempt: true, error: message });
  }
  return outcomes;
}

/** The portal's syncs wait `seconds` for its next day's budget: an incident the first time in the day, and a warning. */
async function deferForTheDay(deps: JobDeps, portalId: string, seconds: number, why: string, syncsInBatch: number): Promise<void> {
  const now = deps.now();
  const until = new Date(now.getTime() + seconds * 1000);
  if (await deferSyncs(deps.db, portalId, until, now, why, syncsInBatch)) deps.logger.warn({ portalId, until: until.toISOString(), why }, 'HubSpot syncs deferred to the next day');
}

/**
 * HubSpot resets the daily limit at midnight in the portal's time zone, which we do not store: we wait for the next
 * UTC midnight. A portal west of UTC still over its limit then answers DAILY again and waits one more day; knowing
 * the portal's time zone (account-info API) would tighten this.
 */
function secondsToNextUtcDay(now: Date): number {
  const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
  return Math.max(1, Math.ceil((midnight - now.getTime()) / 1000));
}

async function markWritten(deps: JobDeps, portalId: string, dealIds: string[]) {
  if (dealIds.length === 0) return;
  await deps.db('synced_properties').where({ portal_id: portalId }).whereIn('deal_id', dealIds).update({ state: 'written' });
}
