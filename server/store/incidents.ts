// Incident packets for people: SLA breaches, dead jobs, deferred syncs, posture's rollbacks and alarms. Written by
// the use cases that meet them, stamped with the service's clock; read by admins over HTTP and the CLI, resolved by
// an admin with a note, and followed up once with a task when one about a deal stays open.
import type { Knex } from 'knex';

export interface NewIncident {
  portalId: string;
  kind: string;
  summary: string;
  /** Everything a person needs to act on it, as JSON. */
  packet: unknown;
  requestId?: string | null;
  dealId?: string | null;
  /** The service's clock (ISO). */
  at: string;
}

export interface IncidentFollowUp {
  queuedAt: string;
  doneAt: string | null;
  taskId: string | null;
  assignedTo: string | null;
  note: string | null;
}

export interface IncidentSummary {
  id: string;
  kind: string;
  requestId: string | null;
  dealId: string | null;
  summary: string;
  createdAt: string;
  resolvedAt: string | null;
  resolvedBy: string | null;
  resolutionNote: string | null;
  followUp: IncidentFollowUp | null;
}

export interface Incident extends IncidentSummary {
  packet: unknown;
}

interface IncidentRow {
  id: string;
  kind: string;
  request_id: string | null;
  deal_id: string | null;
  summary: string;
  created_at: Date;
  resolved_at: Date | null;
  resolved_by: string | null;
  resolution_note: string | null;
  follow_up_queued_at: Date | null;
  follow_up_done_at: Date | null;
  follow_up_task_id: string | null;
  follow_up_assigned_to: string | null;
  follow_up_note: string | null;
  packet?: unknown;
}

const SUMMARY_COLUMNS = [
  'id', 'kind', 'request_id', 'deal_id', 'summary', 'created_at', 'resolved_at', 'resolved_by', 'resolution_note',
  'follow_up_queued_at', 'follow_up_done_at', 'follow_up_task_id', 'follow_up_assigned_to', 'follow_up_note',
];

const toSummary = (row: IncidentRow): IncidentSummary => ({
  id: String(row.id), kind: row.kind, requestId: row.request_id, dealId: row.deal_id, summary: row.summary, createdAt: row.created_at.toISOString(),
  resolvedAt: row.resolved_at?.toISOString() ?? null, resolvedBy: row.resolved_by, resolutionNote: row.resolution_note,
  followUp: row.follow_up_queued_at === null ? null : {
    queuedAt: row.follow_up_queued_at.toISOString(), doneAt: row.follow_up_done_at?.toISOString() ?? null, taskId: row.follow_up_task_id,
    assignedTo: row.follow_up_assigned_to, note: row.follow_up_note,
  },
});

/** Records an incident; returns its id. */
export async function insertIncident(db: Knex, incident: NewIncident): Promise<string> {
  const [row] = await db('incidents').insert({
    portal_id: incident.portalId, kind: incident.kind, summary: incident.summary, packet: JSON.stringify(incident.packet),
    request_id: incident.requestId ?? null, deal_id: incident.dealId ?? null, created_at: incident.at,
  }).returning<{ id: string }[]>('id');
  return String(row?.id);
}

/** A portal's incidents, newest first, optionally of one kind, open (unresolved) or resolved only. */
export async function listIncidents(db: Knex, portalId: string, options: { kind?: string; state?: 'open' | 'resolved' | 'all'; limit: number }): Promise<IncidentSummary[]> {
  let query = db('incidents').where({ portal_id: portalId }).orderBy('id', 'desc').limit(options.limit);
  if (options.kind) query = query.andWhere({ kind: options.kind });
  if (options.state === 'open') query = query.whereNull('resolved_at');
  if (options.state === 'resolved') query = query.whereNotNull('resolved_at');
  const rows = await query.select<IncidentRow[]>(SUMMARY_COLUMNS);
  return rows.map(toSummary);
}

/** One incident of the portal with its packet, or null; `forUpdate` locks its row until the transaction ends. */
export async function findIncident(db: Knex, portalId: string, id: string, options: { forUpdate?: boolean } = {}): Promise<Incident | null> {
  let query = db('incidents').where({ portal_id: portalId, id });
  if (options.forUpdate) query = query.forUpdate();
  const row = await query.first<IncidentRow | undefined>([...SUMMARY_COLUMNS, 'packet']);
  return row ? { ...toSummary(row), packet: row.packet } : null;
}

/** Marks an open incident resolved; false when it was resolved already. */
export async function resolveIncident(db: Knex, portalId: string, id: string, resolution: { by: string; note: string; at: string }): Promise<boolean> {
  const changed = await db('incidents').where({ portal_id: portalId, id }).whereNull('resolved_at')
    .update({ resolved_at: resolution.at, resolved_by: resolution.by, resolution_note: resolution.note });
  return changed > 0;
}

/**
 * Marks open incidents about a deal created at or before `before`, with no follow-up yet, as followed up at `at`
 * (at most `limit`, oldest first), and answers them: each is answered once, whichever process asks.
 */
export async function markFollowUpsQueued(db: Knex, before: string, at: string, limit: number): Promise<{ id: string; portalId: string }[]> {
  const rows = await db('incidents').whereIn('id', db('incidents').whereNull('resolved_at').whereNull('follow_up_queued_at').whereNotNull('deal_id')
    .where('created_at', '<=', before).orderBy('created_at').limit(limit).forUpdate().skipLocked().select('id'))
    .whereNull('follow_up_queued_at')
    .update({ follow_up_queued_at: at }).returning<{ id: string; portal_id: string }[]>(['id', 'portal_id']);
  return rows.map((row) => ({ id: String(row.id), portalId: String(row.portal_id) }));
}

/** What became of an incident's follow-up: the task made and for whom, or why none was. */
export async function recordFollowUpDone(
  db: Knex, portalId: string, id: string, done: { at: string; taskId: string | null; assignedTo: string | null; note: string | null },
): Promise<void> {
  await db('incidents').where({ portal_id: portalId, id })
    .update({ follow_up_done_at: done.at, follow_up_task_id: done.taskId, follow_up_assigned_to: done.assignedTo, follow_up_note: done.note });
}

/** Incidents of a kind across every portal, all time. */
export async function countIncidentsOfKind(db: Knex, kind: string): Promise<number> {
  const row = await db('incidents').where({ kind }).count<{ count: string }[]>('* as count').first();
  return Number(row?.count ?? 0);
}

/** A portal's incidents in (since, until] (ISO) whose kind starts with none of `exceptPrefixes`. */
export async function countIncidentsBetween(db: Knex, portalId: string, since: string, until: string, exceptPrefixes: readonly string[]): Promise<number> {
  let query = db('incidents').where({ portal_id: portalId }).where('created_at', '>', since).where('created_at', '<=', until);
  for (const prefix of exceptPrefixes) query = query.whereNot('kind', 'like', `${prefix.replace(/[\\%_]/g, '\\$&')}%`);
  const [row] = await query.count<{ count: string }[]>('* as count');
  return Number(row?.count ?? 0);
}

/** The id of a `posture_critical` incident about this policy version created at or after `since`, or null. */
export async function postureIncidentFor(db: Knex, portalId: string, versionId: string, since: string): Promise<string | null> {
  const row = await db('incidents').where({ portal_id: portalId, kind: 'posture_critical' })
    .where('created_at', '>=', since).whereRaw(`packet #>> '{active,id}' = ?`, [versionId]).first<{ id: string } | undefined>('id');
  return row ? String(row.id) : null;
}
