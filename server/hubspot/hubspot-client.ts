// An api-client per call, authenticated as the portal with a token that is fresh for the call's duration.
// No retry decorator is configured here: 429 and 5xx surface as HubSpotApiError for the caller (the outbox) to
// schedule. Note that the api-client keeps its decorators in a process-wide singleton that every `new Client()`
// resets, so retries must not be configured through client options anywhere in this process.
import { Client } from '@hubspot/api-client';
import type { TokenStore } from './token-store.js';

export type ClientForPortal = (portalId: string) => Promise<Client>;

export function createClientFactory(tokens: Pick<TokenStore, 'accessToken'>, options: { basePath?: string } = {}): ClientForPortal {
  return async (portalId) => new Client({
    accessToken: await tokens.accessToken(portalId),
    ...(options.basePath ? { basePath: options.basePath } : {}),
  });
}
