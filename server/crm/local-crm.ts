// LocalCrm: the Crm port over the local demo portal's tables in Postgres (store/local-crm.ts).
// It answers like HubSpot does: every property a string, missing ones absent; it stamps its writes with the
// service's clock, never the database's.
import type { Deal } from '../../src/deal.js';
import type { Directory, DirectoryUser } from '../../src/directory/schema.js';
import type { Db } from '../db/database.js';
import {
  addLocalNote, addLocalTask, completeLocalTask, changeLocalDeal, changeLocalDeals, localDeal, localDirectoryUsers, localNotes, localTasks, upsertLocalDeal, upsertLocalUser, type LocalTaskView,
} from '../store/local-crm.js';
import type { BatchWriteResult, Crm, DealUpdate, NewTask } from './crm.js';

/** HubSpot's batch update takes 100 deals a call; LocalCrm counts its calls the same way. */
const BATCH_LIMIT = 100;

export interface LocalCrmOptions {
  db: Db;
  now: () => Date;
}

export class LocalCrm implements Crm {
  readonly #db: Db;
  readonly #now: () => Date;

  constructor(options: LocalCrmOptions) {
    this.#db = options.db;
    this.#now = options.now;
  }

  async getDeal(portalId: string, dealId: string, properties: readonly string[]): Promise<Deal | null> {
    const stored = await localDeal(this.#db, portalId, dealId);
    if (!stored) return null;
    const picked: Record<string, string | null> = {};
    for (const name of properties) {
      // Own properties only: "constructor" must not read Object's.
      if (Object.hasOwn(stored, name)) picked[name] = stored[name] ?? null;
    }
    return { id: dealId, properties: picked };
  }

  /** The demo portal's people: one indexed read, so a change is seen by the next view in every process. */
  async getDirectory(portalId: string): Promise<Directory> {
    return { users: await localDirectoryUsers(this.#db, portalId) };
  }

  async addNote(portalId: string, dealId: string, body: string, at?: Date): Promise<void> {
    await addLocalNote(this.#db, portalId, dealId, body, at?.toISOString() ?? this.#at());
  }

  addTask(portalId: string, dealId: string, task: NewTask): Promise<string> {
    return addLocalTask(this.#db, portalId, dealId, task, this.#at());
  }

  async completeTask(portalId: string, taskId: string): Promise<void> {
    await completeLocalTask(this.#db, portalId, taskId, this.#at());
  }

  async updateDeals(portalId: string, updates: readonly DealUpdate[]): Promise<BatchWriteResult> {
    const result: BatchWriteResult = { updated: [], failed: [], calls: 0 };
    for (let start = 0; start < updates.length; start += BATCH_LIMIT) {
      result.calls += 1;
      const chunk = updates.slice(start, start + BATCH_LIMIT);
      const changed = await changeLocalDeals(this.#db, portalId, chunk, this.#at());
      for (const update of chunk) {
        if (changed.has(update.id)) result.updated.push(update.id);
        else result.failed.push({ ids: [update.id], category: 'OBJECT_NOT_FOUND', message: `deal ${update.id} does not exist` });
      }
    }
    return result;
  }

  /** The demo portal has no HubSpot account: its admins are the installing user and the ones its settings name. */
  getSuperAdmins(_portalId: string): Promise<string[]> {
    return Promise.resolve([]);
  }

  tasks(portalId: string, dealId: string): Promise<LocalTaskView[]> {
    return localTasks(this.#db, portalId, dealId);
  }

  /** Demo and tests only: change a deal the way a rep would in HubSpot. Returns the properties after the change. */
  updateDeal(portalId: string, dealId: string, changes: Record<string, string | null>): Promise<Record<string, string | null> | null> {
    return changeLocalDeal(this.#db, portalId, dealId, changes, this.#at());
  }

  upsertDeal(portalId: string, deal: { id: string; properties: Record<string, string | null> }): Promise<void> {
    return upsertLocalDeal(this.#db, portalId, deal, this.#at());
  }

  async upsertUser(portalId: string, user: DirectoryUser): Promise<void> {
    await upsertLocalUser(this.#db, portalId, user);
  }

  notes(portalId: string, dealId: string): Promise<string[]> {
    return localNotes(this.#db, portalId, dealId);
  }

  #at(): string {
    return this.#now().toISOString();
  }
}
