// The inbox: a batch is stored by one statement, duplicates collapse on the dedupe key, each new event worth
// processing gets its `webhook_event` job in that same statement (so an event is never stored unqueued), and a
// malformed event is kept in quarantine by the same statement.
import type { Knex } from 'knex';
import type { ApprovalState } from '../../src/lifecycle/types.js';
import { STAGE_PROPERTY, type Deal } from '../../src/deal.js';
import { COALESCE_QUEUED } from './jobs.js';
import { toPortal, type Portal, type PortalRow } from './portals.js';
import type { WebhookEvent } from '../../src/contract/webhook-events.js';
import { namedStatement } from '../db/database.js';

const storeWebhookBatchStatement = namedStatement('store-webhook-batch');
const loadEventFactsStatement = namedStatement('load-event-facts');

export interface WebhookEventJobPayload {
  webhookEventId: string;
  /** The deal the event is about: the worker runs one deal's events one after another, in order. */
  dealId: string;
}

export interface StoredBatch {
  received: number;
  /** Events seen for the first time (the rest were retried or duplicated deliveries). */
  stored: number;
  /** New events queued for the worker; the others were recorded as ignored on arrival. */
  queued: number;
  /** Malformed events kept in quarantine for the first time (a repeated delivery is kept once). */
  quarantined: number;
}

export interface WebhookEventRow {
  id: string;
  portalId: string;
  eventId: string;
  subscriptionType: string;
  objectId: string;
  propertyName: string | null;
  propertyValue: string | null;
  changeSource: string | null;
  sourceId: string | null;
  occurredAt: Date;
  payload: Record<string, unknown>;
  processedAt: Date | null;
  outcome: string | null;
}

interface RawRow {
  id: string;
  portal_id: string;
  event_id: string;
  subscription_type: string;
  object_id: string;
  property_name: string | null;
  property_value: string | null;
  change_source: string | null;
  source_id: string | null;
  occurred_at: Date;
  payload: Record<string, unknown>;
  processed_at: Date | null;
  outcome: string | null;
}

const toRow = (row: RawRow): WebhookEventRow => ({
  id: String(row.id),
  portalId: String(row.portal_id),
  eventId: row.event_id,
  subscriptionType: row.subscription_type,
  objectId: row.object_id,
  propertyName: row.property_name,
  propertyValue: row.property_value,
  changeSource: row.change_source,
  sourceId: row.source_id,
  occurredAt: row.occurred_at,
  payload: row.payload,
  processedAt: row.processed_at,
  outcome: row.outcome,
});

/** An event as it arrives: its parsed fields, the payload kept whole, and why it needs no processing (or null). */
export interface ArrivingEvent {
  event: WebhookEvent;
  raw: unknown;
  /** Decided by the caller from the event alone; the statement adds what the event's portal says. */
  outcome: string | null;
}

/** A malformed event as it arrives: where it sat in the batch, what is wrong with it, and its JSON text. */
export interface QuarantinedEvent {
  index: number;
  portalId: string | null;
  problems: readonly { path: string; message: string }[];
  /** JSON text, which escapes what jsonb cannot hold (a NUL, a broken surrogate). */
  raw: string;
}

/**
 * Stores a batch and queues a `webhook_event` job (payload: WebhookEventJobPayload) for each new event worth
 * processing, in one statement: an event is never stored unqueued, and HubSpot's answer waits on one round trip.
 * The statement reads each event's portal itself (an event for a portal not installed, or with its flag off, is
 * stored as such), in the batch's order. DO NOTHING absorbs a retried delivery, and a duplicate inside the same
 * batch; RETURNING lists only the rows inserted now. `at` is the service's clock.
 */
export async function storeWebhookBatch(db: Knex, batch: readonly ArrivingEvent[], quarantine: readonly QuarantinedEvent[], at: string): Promise<StoredBatch> {
  const received = batch.length + quarantine.length;
  if (received === 0) return { received: 0, stored: 0, queued: 0, quarantined: 0 };
  const malformed = quarantine.map((q) => ({ portal_id: q.portalId, batch_index: q.index, problems: q.problems, raw: q.raw }));
  const arriving = batch.map(({ event, raw, outcome }) => ({
    portal_id: event.portalId,
    event_id: event.eventId,
    subscription_type: event.subscriptionType,
    object_id: event.objectId,
    property_name: event.propertyName ?? null,
    property_value: event.propertyValue ?? null,
    change_source: event.changeSource ?? null,
    source_id: event.sourceId ?? null,
    occurred_at: new Date(event.occurredAt).toISOString(),
    attempt_number: event.attemptNumber ?? 0,
    payload: raw,
    outcome,
  }));
  const { rows: [counts] } = await db.raw<{ rows: { stored: number; queued: number; quarantined: number }[] }>(
    `WITH arriving AS (
       SELECT a.ord, (a.e->>'portal_id')::bigint AS portal_id, a.e->>'event_id' AS event_id, a.e->>'subscription_type' AS subscription_type,
         a.e->>'object_id' AS object_id, a.e->>'property_name' AS property_name, a.e->>'property_value' AS property_value,
         a.e->>'change_source' AS change_source, a.e->>'source_id' AS source_id, (a.e->>'occurred_at')::timestamptz AS occurred_at,
         (a.e->>'attempt_number')::int AS attempt_number, a.e->'payload' AS payload,
         CASE WHEN p.id IS NULL OR p.install_state = 'uninstalled' THEN 'portal_not_installed'
              WHEN p.feature_flag = 'off' THEN 'flag_off'
              ELSE a.e->>'outcome' END AS outcome
       FROM jsonb_array_elements(?::jsonb) WITH ORDINALITY AS a(e, ord)
       LEFT JOIN portals p ON p.id = (a.e->>'portal_id')::bigint
     ), inserted AS (
       INSERT INTO webhook_events (portal_id, event_id, subscription_type, object_id, property_name, property_value, change_source,
         source_id, occurred_at, attempt_number, payload, received_at, processed_at, outcome)
       SELECT portal_id, event_id, subscription_type, object_id, property_name, property_value, change_source,
         source_id, occurred_at, attempt_number, payload, ?::timestamptz, CASE WHEN outcome IS NULL THEN NULL ELSE ?::timestamptz END, outcome
       FROM arriving ORDER BY ord
       ON CONFLICT DO NOTHING
       RETURNING id, portal_id, object_id, outcome
     ), queued AS (
       INSERT INTO jobs (portal_id, kind, key, payload, run_at, created_at)
       SELECT portal_id, 'webhook_event', id::text, jsonb_build_object('webhookEventId', id::text, 'dealId', object_id), ?::timestamptz, ?::timestamptz
       FROM inserted WHERE outcome IS NULL
       ${COALESCE_QUEUED}
       RETURNING 1
     ), quarantined AS (
       INSERT INTO webhook_quarantine (portal_id, received_at, batch_index, batch_size, problems, raw)
       SELECT (q.e->>'portal_id')::bigint, ?::timestamptz, (q.e->>'batch_index')::int, ?::int, q.e->'problems', q.e->>'raw'
       FROM jsonb_array_elements(?::jsonb) AS q(e)
       ON CONFLICT DO NOTHING
       RETURNING 1)
     SELECT (SELECT count(*) FROM inserted)::int AS stored, (SELECT count(*) FROM queued)::int AS queued,
       (SELECT count(*) FROM quarantined)::int AS quarantined`,
    [JSON.stringify(arriving), at, at, at, at, at, received, JSON.stringify(malformed)],
  ).options(storeWebhookBatchStatement);
  return { received, stored: counts?.stored ?? 0, queued: counts?.queued ?? 0, quarantined: counts?.quarantined ?? 0 };
}

/**
 * Deletes processed webhook events and quarantined ones received more than `days` before `now`, at most `limit` of
 * each at a time, oldest first; returns how many of each. HubSpot retries a delivery for a day at most, so the
 * dedupe needs far less history than the shortest retention allowed; kept for good, the inbox would grow by every
 * event HubSpot sends. An event not yet processed stays whatever its age.
 */
export async function pruneWebhookEvents(db: Knex, days: number, now: Date, limit = 10_000): Promise<{ events: number; quarantined: number }> {
  const before = [now.toISOString(), days, limit] as const;
  const events = await db.raw<{ rowCount: number }>(
    `DELETE FROM webhook_events WHERE id = ANY (ARRAY(
       SELECT id FROM webhook_events WHERE processed_at IS NOT NULL AND received_at < ?::timestamptz - (? * interval '1 day')
       ORDER BY received_at LIMIT ?))`,
    before,
  );
  const quarantined = await db.raw<{ rowCount: number }>(
    `DELETE FROM webhook_quarantine WHERE id = ANY (ARRAY(
       SELECT id FROM webhook_quarantine WHERE received_at < ?::timestamptz - (? * interval '1 day') ORDER BY id LIMIT ?))`,
    before,
  );
  return { events: events.rowCount, quarantined: quarantined.rowCount };
}

export async function findWebhookEvent(db: Knex, id: string, options: { forUpdate?: boolean } = {}): Promise<WebhookEventRow | null> {
  let query = db('webhook_events').where({ id });
  if (options.forUpdate) query = query.forUpdate();
  const row = await query.first<RawRow | undefined>();
  return row ? toRow(row) : null;
}

/** Records what became of an event; only the first outcome sticks, so a repeated run changes nothing. */
export async function markEventProcessed(db: Knex, id: string, outcome: string, at: string): Promise<boolean> {
  const updated = await db('webhook_events').where({ id }).whereNull('processed_at').update({ processed_at: at, outcome });
  return updated > 0;
}

/** Marks events processed with their outcomes, in one statement; an event processed meanwhile keeps its outcome. */
export async function markEventsProcessed(db: Knex, outcomes: readonly { id: string; outcome: string }[], at: string): Promise<void> {
  if (outcomes.length === 0) return;
  await db.raw(
    `UPDATE webhook_events e SET processed_at = ?::timestamptz, outcome = o.outcome
     FROM unnest(?::bigint[], ?::text[]) AS o(id, outcome)
     WHERE e.id = o.id AND e.processed_at IS NULL`,
    [at, outcomes.map((o) => o.id), outcomes.map((o) => o.outcome)],
  );
}

/** What telling our own writes' echoes apart needs beside the event, read with it (see loadEventFacts). */
export interface EchoFacts {
  /** When the gate rolled this deal back to the event's stage, newest first (at most three; stage events only). */
  rollbacks: Date[];
  /** What the sync last wrote to this deal, and when. */
  synced: { properties: Record<string, unknown>; syncedAt: Date } | null;
}

/** A stored event with what deciding about it needs: its portal, the deal's latest request, and the echo facts. */
export interface EventFacts extends EchoFacts {
  event: WebhookEventRow;
  portal: Portal | null;
  latest: LatestRequest | null;
}

/** The deal's latest request as a change to the deal is judged against it. */
export interface LatestRequest {
  id: string;
  state: ApprovalState['state'];
  policyVersionId: string;
  rowVersion: number;
  /** The deal as the request was routed on it. */
  dealSnapshot: Deal;
}

/** The facts of many events in one statement (a webhook batch holds about 100); events not stored are left out. */
export async function loadEventFacts(db: Knex, ids: readonly string[]): Promise<Map<string, EventFacts>> {
  if (ids.length === 0) return new Map();
  const { rows } = await db.raw<{ rows: (RawRow & {
    portal: PortalRow | null; synced_properties: Record<string, unknown> | null; synced_at: Date | null;
    latest_id: string | null; latest_state: ApprovalState['state'] | null; latest_policy_version_id: string | null;
    latest_row_version: number | null; latest_deal_snapshot: Deal | null; rollbacks: Date[];
  })[] }>(
    `SELECT e.id, e.portal_id, e.event_id, e.subscription_type, e.object_id, e.property_name, e.property_value, e.change_source,
       e.source_id, e.occurred_at, e.payload, e.processed_at, e.outcome,
       CASE WHEN p.id IS NULL THEN NULL ELSE jsonb_build_object('id', p.id::text, 'name', p.name, 'install_state', p.install_state,
         'feature_flag', p.feature_flag, 'settings', p.settings, 'installed_by_email', p.installed_by_email) END AS portal,
       s.properties AS synced_properties, s.synced_at,
       r.id AS latest_id, r.state AS latest_state, r.policy_version_id AS latest_policy_version_id,
       r.row_version AS latest_row_version, r.deal_snapshot AS latest_deal_snapshot,
       ARRAY(SELECT h.occurred_at FROM deal_stage_history h
             WHERE e.property_name = ? AND h.portal_id = e.portal_id AND h.deal_id = e.object_id AND h.source = 'rollback'
               AND h.stage = COALESCE(e.property_value, '')
             ORDER BY h.occurred_at DESC LIMIT 3) AS rollbacks
     FROM webhook_events e
     LEFT JOIN portals p ON p.id = e.portal_id
     LEFT JOIN synced_properties s ON s.portal_id = e.portal_id AND s.deal_id = e.object_id
     LEFT JOIN LATERAL (SELECT a.id, a.state, a.policy_version_id, a.row_version, a.deal_snapshot FROM approval_requests a
                        WHERE a.portal_id = e.portal_id AND a.deal_id = e.object_id
                        ORDER BY a.created_at DESC, a.seq DESC LIMIT 1) r ON true
     WHERE e.id = ANY (?::bigint[])`,
    [STAGE_PROPERTY, [...ids]],
  ).options(loadEventFactsStatement);
  return new Map(rows.map((row) => [String(row.id), {
    event: toRow(row),
    portal: row.portal ? toPortal(row.portal) : null,
    latest: row.latest_id === null ? null : {
      id: row.latest_id, state: row.latest_state!, policyVersionId: String(row.latest_policy_version_id),
      rowVersion: row.latest_row_version!, dealSnapshot: row.latest_deal_snapshot!,
    },
    rollbacks: row.rollbacks,
    synced: row.synced_properties === null ? null : { properties: row.synced_properties, syncedAt: row.synced_at! },
  }]));
}

export interface QuarantinedSummary {
  id: string;
  portalId: string | null;
  receivedAt: string;
  /** Position in its batch (from 0), and the batch's size. */
  batchIndex: number;
  batchSize: number;
  problems: { path: string; message: string }[];
}

export interface QuarantinedRow extends QuarantinedSummary {
  /** The event as JSON text, as received. */
  raw: string;
}

interface RawQuarantined {
  id: string; portal_id: string | null; received_at: Date; batch_index: number; batch_size: number;
  problems: { path: string; message: string }[]; raw?: string;
}

const toQuarantined = (row: RawQuarantined): QuarantinedSummary => ({
  id: String(row.id), portalId: row.portal_id === null ? null : String(row.portal_id), receivedAt: row.received_at.toISOString(),
  batchIndex: row.batch_index, batchSize: row.batch_size, problems: row.problems,
});

/** Quarantined events, newest first: of one portal, or of every portal (unreadable portals included) when null. */
export async function listQuarantinedEvents(db: Knex, portalId: string | null, options: { limit: number }): Promise<QuarantinedSummary[]> {
  let query = db('webhook_quarantine').orderBy('id', 'desc').limit(options.limit);
  if (portalId !== null) query = query.where({ portal_id: portalId });
  const rows = await query.select<RawQuarantined[]>('id', 'portal_id', 'received_at', 'batch_index', 'batch_size', 'problems');
  return rows.map(toQuarantined);
}

/** One quarantined event with its JSON text, or null. */
export async function findQuarantinedEvent(db: Knex, id: string): Promise<QuarantinedRow | null> {
  const row = await db('webhook_quarantine').where({ id }).first<RawQuarantined | undefined>('*');
  return row ? { ...toQuarantined(row), raw: row.raw ?? '' } : null;
}
