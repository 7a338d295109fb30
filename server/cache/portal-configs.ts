// The configuration of the portals this process serves, read on every card view and changed rarely. A copy is used
// only while the portal's config_version, read by primary key on each use, is the one it was read at: triggers move
// that version on every write to the configuration, by any process or by hand (migrations/20261203102000), so a
// change committed anywhere is seen by the next view in every process.
import type { Directory } from '../../src/directory/schema.js';
import type { Db } from '../db/database.js';
import { configVersion, readPortalConfig, type PortalConfig } from '../store/portal-config.js';
import type { PolicyDocumentCache } from './policy-documents.js';

export class PortalConfigCache {
  readonly #copies = new Map<string, PortalConfig>();
  readonly #directories = new Map<string, { version: string; directory: Promise<Directory> }>();
  readonly #documents: PolicyDocumentCache;
  readonly #limit: number;

  constructor(documents: PolicyDocumentCache, limit = 10_000) {
    this.#documents = documents;
    this.#limit = limit;
  }

  /** The portal's configuration as it is now, for a view at `at`; null when there is no such portal. */
  async current(db: Db, portalId: string, at: string): Promise<PortalConfig | null> {
    return this.atVersion(db, portalId, await configVersion(db, portalId), at);
  }

  /**
   * The copy this process holds for the portal if it can answer for `at`, whatever its version: a caller may start
   * reading with it, but uses what it read only once the portal's version, read meanwhile, is the copy's.
   */
  kept(portalId: string, at: string): PortalConfig | undefined {
    const kept = this.#copies.get(portalId);
    return kept && at >= kept.readAt ? kept : undefined;
  }

  /** The configuration at `version`, the portal's version as just read (null: no such portal). */
  async atVersion(db: Db, portalId: string, version: string | null, at: string): Promise<PortalConfig | null> {
    const kept = this.kept(portalId, at);
    // Delegations that ended before a copy was read are not in it: an earlier instant needs a fresh read.
    if (kept && kept.version === version) return kept;
    this.#copies.delete(portalId);
    this.#directories.delete(portalId);
    if (version === null) return null;
    const read = await readPortalConfig(db, portalId, at);
    if (!read) return null;
    const config = {
      ...read,
      policy: read.policy && this.#documents.share(read.policy),
      candidate: read.candidate && this.#documents.share(read.candidate),
    };
    if (this.#copies.size >= this.#limit) {
      const oldest = this.#copies.keys().next().value as string;
      this.#copies.delete(oldest);
      this.#directories.delete(oldest);
    }
    this.#copies.set(portalId, config);
    return config;
  }

  /**
   * The demo portal's directory, kept with its configuration: its people are rows of our database, whose writes move
   * the portal's config_version like the rest of its configuration (migrations/20261203105000). A failed read is not kept.
   */
  localDirectory(config: PortalConfig, read: () => Promise<Directory>): Promise<Directory> {
    const kept = this.#directories.get(config.portal.id);
    if (kept && kept.version === config.version) return kept.directory;
    const entry = { version: config.version, directory: read() };
    this.#directories.set(config.portal.id, entry);
    entry.directory.catch(() => { if (this.#directories.get(config.portal.id) === entry) this.#directories.delete(config.portal.id); });
    return entry.directory;
  }
}
