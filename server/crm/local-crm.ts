// LocalCrm: a CRM kept in Postgres for the local demo portal (deals, users and teams, notes).
// It answers like HubSpot does: every property a string, missing ones absent.
import type { Knex } from 'knex';
import type { Deal } from '../../src/deal.js';
import { normaliseEmail } from '../../src/directory/email.js';
import type { Directory, DirectoryUser } from '../../src/directory/schema.js';
import type { BatchWriteResult, Crm, DealUpdate, NewTask } from './crm.js';

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

export class LocalCrm implements Crm {
  readonly #db: Knex;

  constructor(db: Knex) {
    this.#db = db;
  }

  async getDeal(portalId: string, dealId: string, properties: readonly string[]): Promise<Deal | null> {
    const row = await this.#db('local_deals').where({ portal_id: portalId, id: dealId }).first<{ properties: Record<string, string | null> } | undefined>('properties');
    if (!row) return null;
    const picked: Record<string, string | null> = {};
    for (const name of properties) {
      // Own properties only: "constructor" must not read Object's.
      if (Object.hasOwn(row.properties, name)) picked[name] = row.properties[name] ?? null;
    }
    return { id: dealId, properties: picked };
  }

  /** The demo portal's people: one indexed read, so a change is seen by the next view in every process. */
  async getDirectory(portalId: string): Promise<Directory> {
    const rows = await this.#db('local_users').where({ portal_id: portalId }).orderBy('email').select<LocalUserRow[]>('*');
    return { users: rows.map(toDirectoryUser) };
  }

  async addNote(portalId: string, dealId: string, body: string): Promise<void> {
    await this.#db('local_notes').insert({ portal_id: portalId, deal_id: dealId, body });
  }

  async addTask(portalId: string, dealId: string, task: NewTask): Promise<string> {
    const [row] = await this.#db('local_tasks')
      .insert({ portal_id: portalId, deal_id: dealId, subject: task.subject, body: task.body, due_at: task.dueAt, owner_id: task.ownerId ?? null })
      .returning<{ id: string }[]>('id');
    return String(row?.id);
  }

  async updateDeals(portalId: string, updates: readonly DealUpdate[]): Promise<BatchWriteResult> {
    const result: BatchWriteResult = { updated: [], failed: [], calls: 0 };
    for (let start = 0; start < updates.length; start += 100) {
      // One statement per 100, as HubSpot's batch update takes one call.
      result.calls += 1;
      const chunk = updates.slice(start, start + 100);
      const { rows } = await this.#db.raw<{ rows: { id: string }[] }>(
        `UPDATE local_deals d SET properties = d.properties || u.changes::jsonb, updated_at = now()
         FROM unnest(?::text[], ?::text[]) AS u(id, changes)
         WHERE d.portal_id = ? AND d.id = u.id
         RETURNING d.id`,
        [chunk.map((update) => update.id), chunk.map((update) => JSON.stringify(update.properties)), portalId],
      );
      const changed = new Set(rows.map((row) => row.id));
      for (const update of chunk) {
        if (changed.has(update.id)) result.updated.push(update.id);
        else result.failed.push({ ids: [update.id], category: 'OBJECT_NOT_FOUND', message: `deal ${update.id} does not exist` });
      }
    }
    return result;
  }

  async tasks(portalId: string, dealId: string): Promise<{ subject: string; body: string; dueAt: string }[]> {
    const rows = await this.#db('local_tasks').where({ portal_id: portalId, deal_id: dealId }).orderBy('id')
      .select<{ subject: string; body: string; due_at: Date }[]>('subject', 'body', 'due_at');
    return rows.map((row) => ({ subject: row.subject, body: row.body, dueAt: row.due_at.toISOString() }));
  }

  /** Demo and tests only: change a deal the way a rep would in HubSpot. Returns the properties after the change. */
  async updateDeal(portalId: string, dealId: string, changes: Record<string, string | null>): Promise<Record<string, string | null> | null> {
    const rows = await this.#db('local_deals').where({ portal_id: portalId, id: dealId })
      .update({ properties: this.#db.raw('properties || ?::jsonb', [JSON.stringify(changes)]), updated_at: this.#db.fn.now() })
      .returning<{ properties: Record<string, string | null> }[]>('properties');
    return rows[0]?.properties ?? null;
  }

  async upsertDeal(portalId: string, deal: { id: string; properties: Record<string, string | null> }): Promise<void> {
    await this.#db('local_deals').insert({ portal_id: portalId, id: deal.id, properties: JSON.stringify(deal.properties) })
      .onConflict(['portal_id', 'id']).merge();
  }

  async upsertUser(portalId: string, user: DirectoryUser): Promise<void> {
    await this.#db('local_users').insert({
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

  async notes(portalId: string, dealId: string): Promise<string[]> {
    const rows = await this.#db('local_notes').where({ portal_id: portalId, deal_id: dealId }).orderBy('id').select<{ body: string }[]>('body');
    return rows.map((row) => row.body);
  }
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
