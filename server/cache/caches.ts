// The only data a service process keeps between requests, created once per process (server/runtime.ts) and handed
// to the use cases in ServiceDeps. Each cache stays right while other processes change the data: portal
// configurations by a version read on every use, policy documents because a version never changes, evaluation
// traces because traces are append-only, the HubSpot directory by a short expiry (HubSpot is its source).
import { EvaluationTraceCache } from './evaluation-traces.js';
import { DirectoryCache } from './hubspot-directory.js';
import { PolicyDocumentCache } from './policy-documents.js';
import { PortalConfigCache } from './portal-configs.js';

export interface Caches {
  portalConfigs: PortalConfigCache;
  policyDocuments: PolicyDocumentCache;
  evaluationTraces: EvaluationTraceCache;
  hubspotDirectory: DirectoryCache;
}

export function createCaches(options: { directoryTtlMs?: number; clock?: () => number } = {}): Caches {
  const policyDocuments = new PolicyDocumentCache();
  return {
    portalConfigs: new PortalConfigCache(policyDocuments),
    policyDocuments,
    evaluationTraces: new EvaluationTraceCache(),
    hubspotDirectory: new DirectoryCache({ ttlMs: options.directoryTtlMs, clock: options.clock }),
  };
}
