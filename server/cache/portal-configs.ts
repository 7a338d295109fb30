// The configuration of the portals this process serves, read on every card view and changed rarely. A copy is used
// only while the portal's config_version, read by primary key on each use, is the one it was read at: triggers move
// that version on every write to the configuration, by any process or by hand (migrations/20261203102000), so a
// change committed anywhere is seen by the next view in every process.
import type { Db } from '../db/database.js';
import { configVersion, readPortalConfig, type PortalConfig } from '../store/portal-config.js';
import type { PolicyDocumentCache } from './policy-documents.js';

export class PortalConfigCache {
  readonly #copies = new Map<string, PortalConfig>();
  readonly #documents: PolicyDocumentCache;
  readonly #limit: number;

  constructor(documents: PolicyDocumentCache, limit = 10_000) {
    this.#documents = documents;
    this.#limit = limit;
  }

  /** The portal's configuration as it is now, for a view at `at`; null when there is no such portal. */
  async current(db: Db, portalId: string, at: string): Promise<PortalConfig | null> {
    const version = await configVersion(db, portalId);
    const kept = this.#copies.get(portalId);
    // Delegations that ended before a copy was read are not in it: an earlier instant needs a fresh read.
    if (kept && kept.version === version && at >= kept.readAt) return kept;
    this.#copies.delete(portalId);
    if (version === null) return null;
    const read = await readPortalConfig(db, portalId, at);
    if (!read) return null;
    const config = {
      ...read,
      policy: read.policy && this.#documents.share(read.policy),
      candidate: read.candidate && this.#documents.share(read.candidate),
    };
    if (this.#copies.size >= this.#limit) this.#copies.delete(this.#copies.keys().next().value as string);
    this.#copies.set(portalId, config);
    return config;
  }
}
