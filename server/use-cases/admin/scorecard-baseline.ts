// A portal's scorecard baseline: its own first 30 days (from the day of its first request; provisional until they
// have passed, then fixed once, so later changes to those requests do not move it), or a history export an admin
// imports over HTTP or an operator with `approval-router baseline import`.
import type { Baseline, BaselineAnswer } from '../../../src/contract/scorecard.js';
import { baselineFromHistory } from '../../../src/simulate/history-baseline.js';
import type { Db, DbTransaction } from '../../db/database.js';
import { AppError } from '../../errors.js';
import { computeScorecard, periodAsOf } from '../../report/scorecard-figures.js';
import { baselineFiguresOf } from '../../report/scorecard-outcomes.js';
import { parseHistoryText } from '../../simulate/read-history-file.js';
import { listPeriodRequests } from '../../store/period-requests.js';
import { lockAdminVersions } from '../../store/portals.js';
import { firstRequestAt, fixFirstDaysBaseline, readBaseline, saveBaseline } from '../../store/scorecard.js';
import { isoNow, type ServiceDeps } from '../deps.js';
import type { Viewer } from '../load-facts.js';
import { loadAdminPortal } from './admin-portal.js';
import { runAdminWrite, staleVersion, type AdminWriteGuard } from './admin-write.js';

const DAY = 86_400_000;
export const BASELINE_DAYS = 30;
const LISTED_SKIPS = 20;

/** The baseline the scorecard compares with: stored, or the first 30 days (fixed here once they have passed). */
export async function resolveBaseline(db: Db, portalId: string, now: Date): Promise<BaselineAnswer> {
  const stored = await readBaseline(db, portalId);
  if (stored?.baseline) return { version: stored.version, baseline: stored.baseline };
  const version = stored?.version ?? 0;
  const first = await firstRequestAt(db, portalId);
  if (first === null) return { version, baseline: null };
  const start = Math.floor(Date.parse(first) / DAY) * DAY;
  const period = { from: new Date(start).toISOString(), to: new Date(start + BASELINE_DAYS * DAY).toISOString() };
  const requests = await listPeriodRequests(db, portalId, period);
  const figures = computeScorecard(portalId, period, requests, periodAsOf(period, now));
  const provisional = now.getTime() < start + BASELINE_DAYS * DAY;
  const baseline: Baseline = {
    source: 'first_30_days', period, provisional, fixedAt: provisional ? null : now.toISOString(), fixedBy: null, fileName: null,
    samples: figures.totals.opened, skippedRows: 0, skipped: [],
    notes: provisional ? [`the first ${BASELINE_DAYS} days run until ${period.to}: these are the figures so far`] : [],
    figures: baselineFiguresOf(figures),
  };
  if (provisional) return { version, baseline };
  const fixed = await fixFirstDaysBaseline(db, portalId, baseline);
  return { version: fixed.version, baseline: fixed.baseline };
}

export async function getBaseline(deps: ServiceDeps, viewer: Viewer): Promise<BaselineAnswer> {
  const portal = await loadAdminPortal(deps, viewer, 'read the scorecard baseline');
  return resolveBaseline(deps.db, portal.id, deps.now());
}

/** A history export's text as a baseline; 400 when no row of it can be read. */
export function importedBaseline(text: string, fileName: string | null, by: string, at: string): Baseline {
  const history = parseHistoryText(text, fileName ?? '');
  if (history.samples.length === 0) {
    const first = history.badRows[0];
    throw new AppError('bad_request', `no row of the history could be read${first ? ` (line ${first.line}: ${first.problem})` : ''}`, {
      details: [{ path: 'body.history', message: 'no readable row: a header "route,step,hours" and one decided step per line, or JSONL objects' }],
    });
  }
  const { figures, notes } = baselineFromHistory(history.samples);
  return {
    source: 'import', period: null, provisional: false, fixedAt: at, fixedBy: by, fileName,
    samples: history.samples.length, skippedRows: history.badRows.length,
    skipped: history.badRows.slice(0, LISTED_SKIPS).map((row) => ({ line: row.line, problem: row.problem })),
    notes, figures,
  };
}

export type BaselineChange = { source: 'import'; history: string; fileName?: string | undefined } | { source: 'first_30_days' };

export async function setBaseline(deps: ServiceDeps, viewer: Viewer, change: BaselineChange, guard: AdminWriteGuard<number>): Promise<BaselineAnswer> {
  const portal = await loadAdminPortal(deps, viewer, 'set the scorecard baseline');
  const at = isoNow(deps);
  // Read before the write, so that a bad file answers 400 without taking the portal's lock.
  const imported = change.source === 'import' ? importedBaseline(change.history, change.fileName ?? null, viewer.email, at) : null;
  const request = { change, expectedVersion: guard.expectedVersion };
  const answer = await runAdminWrite(deps, portal, viewer, { idempotencyKey: guard.idempotencyKey, operation: 'admin.set_scorecard_baseline', request }, async (trx) => {
    const current = (await readBaseline(trx, portal.id))?.version ?? 0;
    if (current !== guard.expectedVersion) throw staleVersion('the scorecard baseline', current, guard.expectedVersion);
    const version = await saveBaseline(trx, portal.id, change.source, imported);
    return { status: 200, body: { version, baseline: imported } satisfies BaselineAnswer };
  });
  // After a return to the first 30 days, answer with them as the scorecard will show them.
  return answer.body.baseline === null ? resolveBaseline(deps.db, portal.id, deps.now()) : answer.body;
}

/**
 * The command line's write, by the operator who holds the database: no idempotency key or expected version, but
 * the same portal lock as an admin's write.
 */
export async function setBaselineAsOperator(db: Db, portalId: string, change: BaselineChange, by: string, now: Date): Promise<BaselineAnswer> {
  const imported = change.source === 'import' ? importedBaseline(change.history, change.fileName ?? null, by, now.toISOString()) : null;
  await db.transaction(async (trx: DbTransaction) => {
    if (!await lockAdminVersions(trx, portalId)) throw new AppError('not_found', `portal ${portalId} is not in this database`);
    await saveBaseline(trx, portalId, change.source, imported);
  });
  return resolveBaseline(db, portalId, now);
}
