// Builds the real app over a test database, with LocalCrm, a settable clock and a known signing secret,
// plus a client that signs every request the way HubSpot does.
import type { Knex } from 'knex';
import request from 'supertest';
import { LocalCrm } from '../../server/crm/local-crm.js';
import { createApp, type AppDeps } from '../../server/http/app.js';
import { signRequest, withCardIdentity } from '../../server/http/sign-request.js';
import { DEFAULT_ADMIN_SETTINGS } from '../../server/use-cases/admin/admin-settings.js';
import { createTestLogger } from './logger.js';

export const TEST_SECRET = 'test-client-secret-0123456789';

export interface TestClock {
  now: () => Date;
  set: (iso: string) => void;
  advanceHours: (hours: number) => void;
}

export function createClock(start = '2026-11-27T09:00:00.000Z'): TestClock {
  let current = new Date(start).getTime();
  return {
    now: () => new Date(current),
    set: (iso) => { current = new Date(iso).getTime(); },
    advanceHours: (hours) => { current += hours * 3_600_000; },
  };
}

export function buildTestApp(db: Knex, overrides: Partial<AppDeps> = {}) {
  const { logger, lines } = createTestLogger();
  const clock = createClock();
  const crm = new LocalCrm({ db, now: clock.now });
  const app = createApp({
    logger,
    db,
    now: clock.now,
    crmFor: () => crm,
    signature: { secret: TEST_SECRET, baseUrl: TEST_BASE_URL },
    // The promotion gate is judged and recorded but does not refuse here; its own tests enforce it.
    adminSettings: { ...DEFAULT_ADMIN_SETTINGS, enforceGate: false },
    ...overrides,
  });
  return { app, clock, crm, logs: lines };
}

export interface Caller {
  portalId: string;
  userId: string;
  email: string;
}

export const TEST_HOST = 'approval-router.test';
/** The base URL the test app verifies signatures over, as PUBLIC_BASE_URL names it in production. */
export const TEST_BASE_URL = `http://${TEST_HOST}`;

/** A request signed as HubSpot signs card requests, with the identity HubSpot appends to the query. */
export function callApi(app: ReturnType<typeof createApp>, clock: TestClock, caller: Caller, method: ApiMethod, path: string, body?: unknown) {
  return captureApi(app, clock, caller, method, path, body)();
}

export type ApiMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/**
 * A request signed once, as callApi signs it, and a function that sends those very bytes and headers each time it
 * is called: what someone who captured the request could replay while its signature holds.
 */
export function captureApi(app: ReturnType<typeof createApp>, clock: TestClock, caller: Caller, method: ApiMethod, path: string, body?: unknown) {
  const target = withCardIdentity(path, caller);
  const signed = signRequest({ secret: TEST_SECRET, method, url: `${TEST_BASE_URL}${target}`, body, timestampMs: clock.now().getTime() });
  return () => {
    const agent = request(app);
    // Sent with supertest's own Host (127.0.0.1:port): the signed URL is the service's base URL, not the Host.
    const test = method === 'GET' ? agent.get(target) : method === 'POST' ? agent.post(target) : method === 'PUT' ? agent.put(target) : agent.delete(target);
    for (const [name, value] of Object.entries(signed.headers)) test.set(name, value);
    return body === undefined ? test : test.send(signed.rawBody);
  };
}
