// Admin writes (the flag, policy versions, delegations) run once per idempotency key and only against the version
// of what they change that the caller saw: a captured request replayed later, or a second admin's stale page,
// changes nothing. Every one runs with the portal's row locked, one after another per portal.
import { hashJson } from '../../../src/hash.js';
import type { DbTransaction } from '../../db/database.js';
import { AppError } from '../../errors.js';
import { runIdempotent, type StoredAnswer } from '../../store/idempotency.js';
import { lockAdminVersions, type AdminVersions, type Portal } from '../../store/portals.js';
import { isoNow, type ServiceDeps } from '../deps.js';
import type { Viewer } from '../load-facts.js';

/** How a caller guards an admin write: its idempotency key, and the version it saw of what it changes. */
export interface AdminWriteGuard<V> {
  idempotencyKey: string;
  expectedVersion: V;
}

/**
 * Runs an admin write once per idempotency key: a repeat (same key, same user, same request) answers as the first
 * did and changes nothing. The write runs with the portal's row locked, after every other admin write before it.
 */
export function runAdminWrite<T>(
  deps: ServiceDeps, portal: Portal, viewer: Viewer, guard: { idempotencyKey: string; operation: string; request: unknown },
  write: (trx: DbTransaction, versions: AdminVersions) => Promise<{ status: number; body: T }>,
): Promise<StoredAnswer<T>> {
  const scope = { portalId: portal.id, key: guard.idempotencyKey, userId: viewer.userId, operation: guard.operation, fingerprint: hashJson(guard.request), at: isoNow(deps) };
  return runIdempotent<T>(deps.db, scope, async (trx) => {
    const versions = await lockAdminVersions(trx, portal.id);
    if (!versions) throw new AppError('not_found', 'approval-router is not installed in this portal');
    return write(trx, versions);
  });
}

/** The 409 for a write made against a version that has moved on since the caller read it. */
export function staleVersion(what: string, current: number | null, expected: number | null): AppError {
  return new AppError('conflict', `${what} is at version ${current ?? 'none'}, not ${expected ?? 'none'}: reload and try again`);
}
