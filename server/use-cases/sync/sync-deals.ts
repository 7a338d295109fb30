// Writes a batch of one portal's deal changes to the CRM (up to 100 deals a call), never the same change twice. Load
// the portal and what was last written, skip what the deal already says, mark the writes, write through the Crm, mark
// them written, trace. Each change's outcome is returned. The HubSpot adapter spends the portal's budget on every call
// (as a background caller): a spent budget or a 429 comes back as HubSpotBudgetError, and the batch waits as it says.
import { ENGINE_VERSION, hashJson } from '../../../src/hash.js';
import { AppError } from '../../errors.js';
import { HubSpotBudgetError } from '../../hubspot/hubspot-budget.js';
import { HubSpotApiError } from '../../hubspot/hubspot-errors.js';
import { PortalUninstalledError } from '../../hubspot/token-store.js';
import type { Crm } from '../../crm/crm.js';
import { deferSyncs } from '../../store/budgets.js';
import { insertIncident } from '../../store/incidents.js';
import { findPortal } from '../../store/portals.js';
import { dropWritingMarks, lastSynced, markWriting, markWritten, type SyncedMark } from '../../store/synced-properties.js';
import { appendTrace } from '../../store/traces.js';
import type { ServiceDeps } from '../deps.js';
import type { SyncDealPayload } from './deal-sync.js';

/** What became of one change: written or skipped (done), to be tried again later, or never to be written (dead). */
export type SyncOutcome =
  | { kind: 'done'; note: string }
  | { kind: 'retry'; afterSeconds: number; countsAsAttempt: boolean; error: string }
  | { kind: 'dead'; reason: string };

/** For a change no step settled (none is expected): tried again, as a failure would be. */
const UNSETTLED: SyncOutcome = { kind: 'retry', afterSeconds: 30, countsAsAttempt: true, error: 'no outcome' };

/** Writes one portal's changes; returns each change's outcome, in the order given. */
export async function syncDeals(deps: ServiceDeps, portalId: string, changes: readonly SyncDealPayload[]): Promise<SyncOutcome[]> {
  const outcomes: (SyncOutcome | undefined)[] = changes.map(() => undefined);
  const rest = (outcome: SyncOutcome): SyncOutcome[] => outcomes.map((known) => known ?? outcome);
  const portal = await findPortal(deps.db, portalId);
  if (!portal || portal.installState === 'uninstalled') return rest({ kind: 'dead', reason: 'the portal uninstalled the app' });
  if (portal.featureFlag !== 'on') return rest({ kind: 'done', note: `skipped: the portal flag is ${portal.featureFlag}` });
  const crm = deps.crmFor(portal);

  const synced = await lastSynced(deps.db, portalId, changes.map((change) => change.dealId));
  const toWrite: number[] = [];
  try {
    for (const [index, change] of changes.entries()) {
      const skipped = await alreadyThere(deps, crm, portalId, change, synced.get(change.dealId));
      if (skipped) outcomes[index] = skipped;
      else toWrite.push(index);
    }
  } catch (error) {
    return rest(await failedWrite(deps, portalId, error, changes.length));
  }
  if (toWrite.length === 0) return rest(UNSETTLED);
  const writes = toWrite.map((index) => changes[index]!);

  // Marked before the call: a worker that dies mid-call leaves the mark, and the next run reads the deal back.
  await markWriting(deps.db, portalId, writes.map((change) => ({ ...change, fingerprint: hashJson(change.properties) })), deps.now().toISOString());
  try {
    const result = await crm.updateDeals(portalId, writes.map((change) => ({ id: change.dealId, properties: change.properties })));
    const refused = new Map(result.failed.flatMap((failure) => failure.ids.map((id) => [id, `${failure.category}: ${failure.message}`] as const)));
    for (const index of toWrite) {
      const problem = refused.get(changes[index]!.dealId);
      outcomes[index] = problem ? { kind: 'dead', reason: `the CRM refused the write: ${problem}` } : { kind: 'done', note: 'written' };
    }
    await markWritten(deps.db, portalId, writes.map((change) => change.dealId).filter((dealId) => !refused.has(dealId)));
    await appendTrace(deps.db, {
      portalId, kind: 'sync',
      input: { deals: writes.map(({ dealId, requestId, version, properties }) => ({ dealId, requestId, version, properties })) },
      output: { updated: result.updated, failed: result.failed, calls: result.calls },
      engineVersion: ENGINE_VERSION, occurredAt: deps.now().toISOString(),
    });
  } catch (error) {
    await dropWritingMarks(deps.db, portalId, writes.map((change) => change.dealId));
    return rest(await failedWrite(deps, portalId, error, changes.length));
  }
  return rest(UNSETTLED);
}

/**
 * Why this change needs no write, or null when it does: a newer version of the request is synced already, the
 * deal already says this, or a write a dead worker marked turns out to have landed (read back rather than written twice).
 */
async function alreadyThere(deps: ServiceDeps, crm: Crm, portalId: string, change: SyncDealPayload, last: SyncedMark | undefined): Promise<SyncOutcome | null> {
  if (!last) return null;
  if (last.requestId === change.requestId && last.version > change.version) return { kind: 'done', note: `skipped: version ${last.version} is already synced` };
  if (last.fingerprint !== hashJson(change.properties)) return null;
  if (last.state === 'written') return { kind: 'done', note: 'skipped: the deal already says this' };
  const deal = await crm.getDeal(portalId, change.dealId, Object.keys(change.properties));
  if (!deal || !Object.entries(change.properties).every(([name, value]) => (deal.properties[name] ?? '') === value)) return null;
  await markWritten(deps.db, portalId, [change.dealId]);
  return { kind: 'done', note: 'confirmed: an interrupted write had landed' };
}

/**
 * What a failed call to the CRM means for the batch: the portal is gone; it must wait (its budget is spent, or HubSpot
 * answered 429: not the job's fault, so no attempt is counted, and a wait for the day says so once); or try again soon.
 */
async function failedWrite(deps: ServiceDeps, portalId: string, error: unknown, syncsInBatch: number): Promise<SyncOutcome> {
  if (error instanceof PortalUninstalledError) return { kind: 'dead', reason: 'the portal uninstalled the app' };
  if (error instanceof HubSpotBudgetError) {
    if (error.forTheDay) await deferForTheDay(deps, portalId, error.until, error.why, syncsInBatch);
    return { kind: 'retry', afterSeconds: error.retryAfterSeconds, countsAsAttempt: false, error: error.message };
  }
  if (error instanceof HubSpotApiError && error.retryable) {
    return { kind: 'retry', afterSeconds: error.retryAfterSeconds ?? 10, countsAsAttempt: error.hubspotStatus !== 429, error: error.message };
  }
  deps.logger.warn({ err: error, portalId }, 'deal sync failed');
  return { kind: 'retry', afterSeconds: 30, countsAsAttempt: true, error: error instanceof AppError ? error.message : 'unexpected error while writing to the CRM' };
}

/** The portal's syncs wait until `until`, its next day; the first to find that out in a day records an incident. */
async function deferForTheDay(deps: ServiceDeps, portalId: string, until: Date, why: string, syncsInBatch: number): Promise<void> {
  const now = deps.now();
  const started = await deps.db.transaction(async (trx) => {
    if (!await deferSyncs(trx, portalId, until, now)) return false;
    await insertIncident(trx, {
      portalId, kind: 'sync_deferred', at: now.toISOString(),
      summary: `HubSpot sync delayed until ${until.toISOString()}: ${why}`,
      packet: { until: until.toISOString(), why, syncsInBatch },
    });
    return true;
  });
  if (started) deps.logger.warn({ portalId, until: until.toISOString(), why }, 'HubSpot syncs deferred to the next day');
}
