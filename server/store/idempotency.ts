// Idempotent actions: HubSpot retries a request once on a 5xx, and people double-click. The first call with a key
// runs and stores its answer in the same transaction as its effects; a repeat returns that answer and acts no more.
import type { Knex } from 'knex';
import { AppError } from '../errors.js';

export interface IdempotencyScope {
  portalId: string;
  key: string;
  userId: string;
  operation: string;
  /** A hash of what is being asked: the same key with other content is refused, not replayed. */
  fingerprint: string;
}

export interface StoredAnswer<T> {
  status: number;
  body: T;
  replayed: boolean;
}

export async function runIdempotent<T>(
  db: Knex,
  scope: IdempotencyScope,
  action: (trx: Knex.Transaction) => Promise<{ status: number; body: T }>,
): Promise<StoredAnswer<T>> {
  return db.transaction(async (trx) => {
    // A concurrent call with the same key waits here until the first commits (then replays) or rolls back (then runs).
    const inserted = await trx.raw<{ rowCount: number }>(
      `INSERT INTO idempotency_keys (portal_id, key, user_id, operation, fingerprint) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (portal_id, key) DO NOTHING`,
      [scope.portalId, scope.key, scope.userId, scope.operation, scope.fingerprint],
    );
    if (inserted.rowCount === 0) {
      const stored = await trx('idempotency_keys').where({ portal_id: scope.portalId, key: scope.key })
        .first<{ user_id: string; operation: string; fingerprint: string; status: number | null; response: T }>();
      if (!stored || stored.status === null) throw new AppError('conflict', 'this action is already in progress; retry shortly');
      if (stored.user_id !== scope.userId || stored.operation !== scope.operation || stored.fingerprint !== scope.fingerprint) {
        throw new AppError('conflict', 'this idempotency key was already used for a different action');
      }
      return { status: stored.status, body: stored.response, replayed: true };
    }
    const answer = await action(trx);
    await trx('idempotency_keys').where({ portal_id: scope.portalId, key: scope.key })
      .update({ status: answer.status, response: JSON.stringify(answer.body) });
    return { ...answer, replayed: false };
  });
}
