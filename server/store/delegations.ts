// Delegations per portal: dated away windows an admin (or the approver) sets. Revoking keeps the row, so the
// history of who acted for whom stays readable. `withDelegations` puts the live ones into the directory the core reads.
import type { Knex } from 'knex';
import type { Delegation, Directory } from '../../src/directory/schema.js';

export interface StoredDelegation {
  id: string;
  portalId: string;
  from: string;
  to: string;
  startsAt: string;
  endsAt: string;
  createdBy: string;
  createdAt: string;
  revokedAt: string | null;
  revokedBy: string | null;
}

interface DelegationRow {
  id: string;
  portal_id: string;
  from_email: string;
  to_email: string;
  starts_at: Date;
  ends_at: Date;
  created_by: string;
  created_at: Date;
  revoked_at: Date | null;
  revoked_by: string | null;
}

const toDelegation = (row: DelegationRow): StoredDelegation => ({
  id: row.id,
  portalId: String(row.portal_id),
  from: row.from_email,
  to: row.to_email,
  startsAt: row.starts_at.toISOString(),
  endsAt: row.ends_at.toISOString(),
  createdBy: row.created_by,
  createdAt: row.created_at.toISOString(),
  revokedAt: row.revoked_at?.toISOString() ?? null,
  revokedBy: row.revoked_by,
});

/** Not revoked and not yet ended at `now` (ISO): the windows that can still route a step. */
export async function liveDelegations(db: Knex, portalId: string, now: string): Promise<StoredDelegation[]> {
  const rows = await db('delegations').where({ portal_id: portalId }).whereNull('revoked_at').where('ends_at', '>', now)
    .orderBy([{ column: 'starts_at' }, { column: 'id' }]).select<DelegationRow[]>('*');
  return rows.map(toDelegation);
}

export async function listDelegations(db: Knex, portalId: string, options: { now: string; includePast: boolean; involving?: string }): Promise<StoredDelegation[]> {
  let query = db('delegations').where({ portal_id: portalId });
  if (!options.includePast) query = query.whereNull('revoked_at').where('ends_at', '>', options.now);
  if (options.involving !== undefined) {
    const who = options.involving;
    query = query.where((q) => { void q.where('from_email', who).orWhere('to_email', who); });
  }
  const rows = await query.orderBy([{ column: 'starts_at' }, { column: 'id' }]).select<DelegationRow[]>('*');
  return rows.map(toDelegation);
}

export async function findDelegation(db: Knex, portalId: string, id: string, options: { forUpdate?: boolean } = {}): Promise<StoredDelegation | null> {
  let query = db('delegations').where({ portal_id: portalId, id });
  if (options.forUpdate) query = query.forUpdate();
  const row = await query.first<DelegationRow | undefined>();
  return row ? toDelegation(row) : null;
}

/** A live window of the same approver that overlaps [startsAt, endsAt): two delegates at once would be ambiguous. */
export async function overlappingDelegation(db: Knex, portalId: string, from: string, startsAt: string, endsAt: string): Promise<StoredDelegation | null> {
  const row = await db('delegations').where({ portal_id: portalId, from_email: from }).whereNull('revoked_at')
    .where('starts_at', '<', endsAt).where('ends_at', '>', startsAt).orderBy('starts_at').first<DelegationRow | undefined>();
  return row ? toDelegation(row) : null;
}

export async function insertDelegation(
  trx: Knex.Transaction,
  input: { id: string; portalId: string; from: string; to: string; startsAt: string; endsAt: string; createdBy: string; createdAt: string },
): Promise<StoredDelegation> {
  const [row] = await trx('delegations').insert({
    id: input.id, portal_id: input.portalId, from_email: input.from, to_email: input.to,
    starts_at: input.startsAt, ends_at: input.endsAt, created_by: input.createdBy, created_at: input.createdAt,
  }).returning<DelegationRow[]>('*');
  if (!row) throw new Error('delegation insert returned nothing');
  return toDelegation(row);
}

export async function revokeDelegation(trx: Knex.Transaction, portalId: string, id: string, by: string, at: string): Promise<StoredDelegation | null> {
  const [row] = await trx('delegations').where({ portal_id: portalId, id }).whereNull('revoked_at')
    .update({ revoked_at: at, revoked_by: by }).returning<DelegationRow[]>('*');
  return row ? toDelegation(row) : null;
}

/**
 * The directory with the portal's live delegations added (after any the CRM snapshot already carries), in a
 * stable order so the same windows always hash the same. Ended and revoked windows are left out: they route nothing.
 */
export async function withDelegations(db: Knex, portalId: string, directory: Directory | PromiseLike<Directory>, now: string): Promise<Directory> {
  const [snapshot, stored] = await Promise.all([directory, liveDelegations(db, portalId, now)]);
  return mergeDelegations(snapshot, stored);
}

/** The directory with these live delegations added; the snapshot itself when there are none. */
export function mergeDelegations(snapshot: Directory, stored: readonly StoredDelegation[]): Directory {
  if (stored.length === 0) return snapshot;
  const added: Delegation[] = stored.map((d) => ({ from: d.from, to: d.to, startsAt: d.startsAt, endsAt: d.endsAt }));
  return { ...snapshot, delegations: [...(snapshot.delegations ?? []), ...added] };
}
