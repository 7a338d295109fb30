// Policy documents by version id. A version's document never changes (the database refuses the update:
// migrations/20261203102000), so a copy is right for good in every process. One shared object per version also lets
// the core compile and hash a policy once rather than on every view.
import type { Db } from '../db/database.js';
import type { Policy } from '../../src/policy/schema.js';
import { policyDocumentById, type PolicyVersion } from '../store/policies.js';

export class PolicyDocumentCache {
  readonly #documents = new Map<string, Policy>();
  readonly #limit: number;

  constructor(limit = 1_000) {
    this.#limit = limit;
  }

  /** The document of one of the portal's versions, or null when the portal has no such version. */
  async get(db: Db, portalId: string, versionId: string): Promise<Policy | null> {
    const kept = this.#documents.get(key(portalId, versionId));
    if (kept) return kept;
    const document = await policyDocumentById(db, portalId, versionId);
    return document ? this.#keep(key(portalId, versionId), document) : null;
  }

  /** The version with its document replaced by the shared copy (kept when it is the first). */
  share<V extends PolicyVersion>(version: V): V {
    const document = this.#documents.get(key(version.portalId, version.id)) ?? this.#keep(key(version.portalId, version.id), version.document);
    return document === version.document ? version : { ...version, document };
  }

  #keep(at: string, document: Policy): Policy {
    if (this.#documents.size >= this.#limit) this.#documents.delete(this.#documents.keys().next().value as string);
    this.#documents.set(at, document);
    return document;
  }
}

const key = (portalId: string, versionId: string) => `${portalId}:${versionId}`;
