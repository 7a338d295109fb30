// Shared by the webhook and gate tests: the webhook router mounted as createApp mounts it, HubSpot-signed
// deliveries, event builders, and a tiny job runner that drains the queue through the worker's handlers.
import express from 'express';
import type { Knex } from 'knex';
import request from 'supertest';
import { LocalCrm } from '../../server/crm/local-crm.js';
import { errorHandler, notFoundHandler } from '../../server/http/error-handler.js';
import { createWebhookRouter, type WebhookRouterDeps } from '../../server/http/routes/webhooks.js';
import { signRequest } from '../../server/http/sign-request.js';
import { computeSignatureV3 } from '../../server/http/verify-signature.js';
import { jobHandlers } from '../../server/jobs/handlers.js';
import type { ClaimedJob, JobKind } from '../../server/store/jobs.js';
import { createClock, TEST_BASE_URL, TEST_SECRET, type TestClock } from '../support/app.js';
import { createTestLogger } from '../support/logger.js';

export const APP_ID = '4242';

export function buildWebhookApp(db: Knex, overrides: Partial<WebhookRouterDeps> = {}) {
  const { logger, lines } = createTestLogger();
  const clock = createClock();
  const crm = new LocalCrm({ db, now: clock.now });
  const deps: WebhookRouterDeps = { db, logger, now: clock.now, crmFor: () => crm, secret: TEST_SECRET, baseUrl: TEST_BASE_URL, ...overrides };
  const app = express();
  // The router reads its own body (as bytes, verified before parsed), as under createApp.
  app.use(createWebhookRouter(deps));
  app.use(notFoundHandler, errorHandler);
  return { app, clock, crm, deps, logs: lines };
}

/**
 * `body` is sent as JSON; a string in `options.text` is sent as it is (JSON too deep for JSON.stringify to write).
 * `signedBaseUrl`: the URL the delivery was signed for (another backend's, say); `headers`: sent besides the signature.
 */
export function postWebhook(
  app: express.Express, clock: TestClock, body: unknown,
  options: { secret?: string; text?: string; signedBaseUrl?: string; headers?: Record<string, string> } = {},
) {
  const url = `${options.signedBaseUrl ?? TEST_BASE_URL}/webhooks/hubspot`;
  const secret = options.secret ?? TEST_SECRET;
  const signed = signRequest({ secret, method: 'POST', url, body, timestampMs: clock.now().getTime() });
  const timestamp = signed.headers['X-HubSpot-Request-Timestamp']!;
  const signature = options.text === undefined ? signed.headers : {
    ...signed.headers,
    'Content-Type': 'application/json',
    'X-HubSpot-Signature-v3': computeSignatureV3({ secret, method: 'POST', uri: url, rawBody: options.text, timestamp }),
  };
  const call = request(app).post('/webhooks/hubspot');
  for (const [name, value] of Object.entries({ ...options.headers, ...signature })) call.set(name, value);
  return call.send(options.text ?? signed.rawBody);
}

let nextEventId = 9_000_000;

/** A deal.propertyChange as HubSpot sends it (a rep's change in the CRM UI unless told otherwise). */
export function propertyChange(portalId: string, dealId: string, propertyName: string, propertyValue: string, occurredAt: Date | number, extra: Record<string, unknown> = {}) {
  return {
    eventId: nextEventId++, subscriptionId: 77, portalId: Number(portalId), appId: Number(APP_ID),
    occurredAt: typeof occurredAt === 'number' ? occurredAt : occurredAt.getTime(),
    subscriptionType: 'deal.propertyChange', attemptNumber: 0, objectId: Number(dealId),
    propertyName, propertyValue, changeSource: 'CRM_UI', sourceId: 'userId:1102', ...extra,
  };
}

export const minutesAfter = (clock: TestClock, minutes: number) => new Date(clock.now().getTime() + minutes * 60_000);

const handlers = { webhook_event: jobHandlers.webhook_event!, gate_rollback: jobHandlers.gate_rollback! };

interface JobRow { id: string; portal_id: string; kind: JobKind; key: string; payload: unknown; attempts: number; run_at: Date }

/** Runs queued webhook and gate jobs (of one portal) in id order until none is left; returns the kinds it ran. */
export async function drainJobs(deps: WebhookRouterDeps, portalId: string): Promise<JobKind[]> {
  const ran: JobKind[] = [];
  for (let round = 0; round < 50; round++) {
    const jobs = await deps.db('jobs').where({ state: 'queued', portal_id: portalId }).whereIn('kind', Object.keys(handlers)).orderBy('id').select<JobRow[]>('*');
    if (jobs.length === 0) return ran;
    for (const row of jobs) {
      await deps.db('jobs').where({ id: row.id }).update({ state: 'running', attempts: row.attempts + 1 });
      const job: ClaimedJob = { id: String(row.id), portalId: String(row.portal_id), kind: row.kind, key: row.key, payload: row.payload, attempts: row.attempts + 1, runAt: row.run_at.toISOString() };
      await handlers[row.kind as keyof typeof handlers](deps, job);
      await deps.db('jobs').where({ id: row.id }).update({ state: 'done', finished_at: deps.now() });
      ran.push(row.kind);
    }
  }
  throw new Error('jobs kept coming: a loop?');
}

export async function outcomes(db: Knex, portalId: string): Promise<(string | null)[]> {
  const rows = await db('webhook_events').where({ portal_id: portalId }).orderBy('id').select<{ outcome: string | null }[]>('outcome');
  return rows.map((row) => row.outcome);
}
