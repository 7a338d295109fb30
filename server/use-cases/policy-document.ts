// A request's policy document by version id, through this process's cache when it has one (a version's document
// never changes, so every use case may share the copy).
import type { Policy } from '../../src/policy/schema.js';
import type { Db } from '../db/database.js';
import { policyDocumentById } from '../store/policies.js';
import type { ServiceDeps } from './deps.js';

export function policyDocument(deps: Pick<ServiceDeps, 'cache'>, db: Db, portalId: string, versionId: string): Promise<Policy | null> {
  return deps.cache ? deps.cache.policyDocuments.get(db, portalId, versionId) : policyDocumentById(db, portalId, versionId);
}
