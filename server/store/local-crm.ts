// The local demo portal's CRM tables (deals, users and teams, notes, tasks). LocalCrm (server/crm) answers the Crm
// port over them, as HubSpot would; the demo use cases and the seed write them. Every write is stamped `at`, the
// service's clock.
import type { Knex } from 'knex';
import { normaliseEmail } from '../../src/directory/email.js';
import type { DirectoryUser } from '../../src/directory/schema.js';

type Properties = Record<string, string | null>;

interface LocalUserRow {
  email: string;
  owner_id: string | null;
  user_id: string | null;
  name: string | null;
  teams: string[];
  primary_team: string | null;
  manager_email: string | null;
  active: boolean;
}

/** The portal's users, sorted by email, as a directory lists them. */
export async function localDirectoryUsers(db: Knex, portalId: string): Promise<DirectoryUser[]> {
  const rows = await db('local_users').where({ portal_id: portalId }).orderBy('email').select<LocalUserRow[]>('*');
  return rows.map(toDirectoryUser);
}

export async function upsertLocalUser(db: Knex, portalId: string, user: DirectoryUser): Promise<void> {
  await db('local_users').insert({
    portal_id: portalId,
    email: normaliseEmail(user.email),
    owner_id: user.ownerId ?? null,
    user_id: user.userId ?? null,
    name: user.name ?? null,
    teams: user.teams,
    primary_team: user.primaryTeam ?? null,
    manager_email: user.managerEmail === undefined ? null : normaliseEmail(user.managerEmail),
    active: user.active ?? true,
  }).onConflict(['portal_id', 'email']).merge();
}

/** A demo deal's properties as stored, or null. */
export async function localDeal(db: Knex, portalId: string, dealId: string): Promise<Properties | null> {
  const row = await db('local_deals').where({ portal_id: portalId, id: dealId }).first<{ properties: Properties } | undefined>('properties');
  return row?.properties ?? null;
}

export async function upsertLocalDeal(db: Knex, portalId: string, deal: { id: string; properties: Properties }, at: string): Promise<void> {
  await db('local_deals').insert({ portal_id: portalId, id: deal.id, properties: JSON.stringify(deal.properties), updated_at: at })
    .onConflict(['portal_id', 'id']).merge();
}

/** Merges the changes into the deal's properties; the properties after the change, or null when there is no such deal. */
export async function changeLocalDeal(db: Knex, portalId: string, dealId: string, changes: Properties, at: string): Promise<Properties | null> {
  const rows = await db('local_deals').where({ portal_id: portalId, id: dealId })
    .update({ properties: db.raw('properties || ?::jsonb', [JSON.stringify(changes)]), updated_at: at })
    .returning<{ properties: Properties }[]>('properties');
  return rows[0]?.properties ?? null;
}

/** Merges each deal's changes in one statement; the ids of the deals that exist (and were changed). */
export async function changeLocalDeals(db: Knex, portalId: string, updates: readonly { id: string; properties: Record<string, string> }[], at: string): Promise<Set<string>> {
  const { rows } = await db.raw<{ rows: { id: string }[] }>(
    `UPDATE local_deals d SET properties = d.properties || u.changes::jsonb, updated_at = ?::timestamptz
     FROM unnest(?::text[], ?::text[]) AS u(id, changes)
     WHERE d.portal_id = ? AND d.id = u.id
     RETURNING d.id`,
    [at, updates.map((update) => update.id), updates.map((update) => JSON.stringify(update.properties)), portalId],
  );
  return new Set(rows.map((row) => row.id));
}

/** The highest numeric deal id the portal has (0 when none). */
export async function highestLocalDealId(db: Knex, portalId: string): Promise<number> {
  const row = await db('local_deals').where({ portal_id: portalId }).first<{ max: string | null } | undefined>(db.raw('max(id::bigint) as max'));
  return Number(row?.max ?? 0);
}

export async function addLocalNote(db: Knex, portalId: string, dealId: string, body: string, at: string): Promise<void> {
  await db('local_notes').insert({ portal_id: portalId, deal_id: dealId, body, created_at: at });
}

export async function localNotes(db: Knex, portalId: string, dealId: string): Promise<string[]> {
  const rows = await db('local_notes').where({ portal_id: portalId, deal_id: dealId }).orderBy('id').select<{ body: string }[]>('body');
  return rows.map((row) => row.body);
}

export interface LocalTask {
  subject: string;
  body: string;
  dueAt: Date;
  ownerId?: string;
}

/** Returns the new task's id. */
export async function addLocalTask(db: Knex, portalId: string, dealId: string, task: LocalTask, at: string): Promise<string> {
  const [row] = await db('local_tasks')
    .insert({ portal_id: portalId, deal_id: dealId, subject: task.subject, body: task.body, due_at: task.dueAt, owner_id: task.ownerId ?? null, created_at: at })
    .returning<{ id: string }[]>('id');
  return String(row?.id);
}

/** A task as the demo portal shows it; `completedAt` is set once its step closed it. */
export interface LocalTaskView { subject: string; body: string; dueAt: string; ownerId?: string; completedAt?: string }

export async function localTasks(db: Knex, portalId: string, dealId: string): Promise<LocalTaskView[]> {
  const rows = await db('local_tasks').where({ portal_id: portalId, deal_id: dealId }).orderBy('id')
    .select<{ subject: string; body: string; due_at: Date; owner_id: string | null; completed_at: Date | null }[]>('subject', 'body', 'due_at', 'owner_id', 'completed_at');
  return rows.map((row) => ({
    subject: row.subject, body: row.body, dueAt: row.due_at.toISOString(),
    ...(row.owner_id ? { ownerId: row.owner_id } : {}), ...(row.completed_at ? { completedAt: row.completed_at.toISOString() } : {}),
  }));
}

/** Marks a task done `at` (the demo CRM's own stamp, as HubSpot's would be); a task done already keeps its first stamp. */
export async function completeLocalTask(db: Knex, portalId: string, taskId: string, at: string): Promise<void> {
  if (!/^\d+$/.test(taskId)) return;
  await db('local_tasks').where({ portal_id: portalId, id: taskId }).whereNull('completed_at').update({ completed_at: at });
}

function toDirectoryUser(row: LocalUserRow): DirectoryUser {
  return {
    email: row.email,
    teams: row.teams,
    ...(row.owner_id ? { ownerId: row.owner_id } : {}),
    ...(row.user_id ? { userId: row.user_id } : {}),
    ...(row.name ? { name: row.name } : {}),
    ...(row.primary_team ? { primaryTeam: row.primary_team } : {}),
    ...(row.manager_email ? { managerEmail: row.manager_email } : {}),
    // As in a directory file, absent means active: the same people give the same directory, and the same hash.
    ...(row.active ? {} : { active: false }),
  };
}
