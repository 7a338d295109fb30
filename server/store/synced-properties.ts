// What the sync last wrote to each deal's approval_router_* properties: marked `writing` before the call to the CRM
// and `written` once it answered, so a change is never written twice and a write a dead worker left behind can be
// read back. The webhook inbox reads it too, to recognise the echo of our own writes.
import type { Knex } from 'knex';

export interface SyncedMark {
  dealId: string;
  /** The hash of the properties written. */
  fingerprint: string;
  state: 'writing' | 'written';
  requestId: string;
  version: number;
}

export interface WritingMark {
  dealId: string;
  properties: Record<string, string>;
  fingerprint: string;
  requestId: string;
  version: number;
}

/** The last mark of each of these deals that has one. */
export async function lastSynced(db: Knex, portalId: string, dealIds: readonly string[]): Promise<Map<string, SyncedMark>> {
  const rows = await db('synced_properties').where({ portal_id: portalId }).whereIn('deal_id', [...dealIds])
    .select<{ deal_id: string; fingerprint: string; state: 'writing' | 'written'; request_id: string; version: number }[]>('deal_id', 'fingerprint', 'state', 'request_id', 'version');
  return new Map(rows.map((row) => [row.deal_id, { dealId: row.deal_id, fingerprint: row.fingerprint, state: row.state, requestId: row.request_id, version: row.version }]));
}

/** Marks these writes `writing` at `at` (the service's clock), in one statement, replacing each deal's last mark. */
export async function markWriting(db: Knex, portalId: string, marks: readonly WritingMark[], at: string): Promise<void> {
  if (marks.length === 0) return;
  await db.raw(
    `INSERT INTO synced_properties (portal_id, deal_id, properties, fingerprint, state, request_id, version, synced_at)
     SELECT ?, m.deal_id, m.properties::jsonb, m.fingerprint, 'writing', m.request_id, m.version, ?::timestamptz
     FROM unnest(?::text[], ?::text[], ?::text[], ?::uuid[], ?::int[]) AS m(deal_id, properties, fingerprint, request_id, version)
     ON CONFLICT (portal_id, deal_id) DO UPDATE SET properties = EXCLUDED.properties, fingerprint = EXCLUDED.fingerprint,
       state = 'writing', request_id = EXCLUDED.request_id, version = EXCLUDED.version, synced_at = EXCLUDED.synced_at`,
    [portalId, at, marks.map((m) => m.dealId), marks.map((m) => JSON.stringify(m.properties)), marks.map((m) => m.fingerprint),
      marks.map((m) => m.requestId), marks.map((m) => m.version)],
  );
}

/** The CRM confirmed these deals' writes. */
export async function markWritten(db: Knex, portalId: string, dealIds: readonly string[]): Promise<void> {
  if (dealIds.length === 0) return;
  await db('synced_properties').where({ portal_id: portalId }).whereIn('deal_id', [...dealIds]).update({ state: 'written' });
}

/** The write failed before the CRM took it: these deals' `writing` marks are dropped. */
export async function dropWritingMarks(db: Knex, portalId: string, dealIds: readonly string[]): Promise<void> {
  if (dealIds.length === 0) return;
  await db('synced_properties').where({ portal_id: portalId, state: 'writing' }).whereIn('deal_id', [...dealIds]).delete();
}
