// The HubSpot directory (owners and their teams) per portal. HubSpot is its source and no process of ours changes
// it, so nothing here can learn when it changed: a copy is used for a short while (a minute) and then HubSpot is
// asked again. Concurrent callers share one fetch, and a failed fetch is not kept.
import type { Directory } from '../../src/directory/schema.js';
import type { Crm } from '../crm/crm.js';

export class DirectoryCache {
  readonly #entries = new Map<string, { expiresAt: number; directory: Promise<Directory> }>();
  readonly #ttlMs: number;
  readonly #clock: () => number;

  constructor(options: { ttlMs?: number; clock?: () => number } = {}) {
    this.#ttlMs = options.ttlMs ?? 60_000;
    this.#clock = options.clock ?? (() => performance.now());
  }

  get(portalId: string, fetch: () => Promise<Directory>): Promise<Directory> {
    const now = this.#clock();
    const kept = this.#entries.get(portalId);
    if (kept && kept.expiresAt > now) return kept.directory;
    const entry = { expiresAt: now + this.#ttlMs, directory: fetch() };
    this.#entries.set(portalId, entry);
    entry.directory.catch(() => { if (this.#entries.get(portalId) === entry) this.#entries.delete(portalId); });
    return entry.directory;
  }
}

/** The CRM with its directory reads answered through the cache; every other call goes straight through. */
export function withDirectoryCache(crm: Crm, cache: DirectoryCache): Crm {
  return {
    getDeal: (portalId, dealId, properties) => crm.getDeal(portalId, dealId, properties),
    getDirectory: (portalId) => cache.get(portalId, () => crm.getDirectory(portalId)),
    addNote: (portalId, dealId, body, at) => crm.addNote(portalId, dealId, body, at),
    addTask: (portalId, dealId, task) => crm.addTask(portalId, dealId, task),
    completeTask: (portalId, taskId) => crm.completeTask(portalId, taskId),
    updateDeals: (portalId, updates) => crm.updateDeals(portalId, updates),
    getSuperAdmins: (portalId) => crm.getSuperAdmins(portalId),
  };
}
