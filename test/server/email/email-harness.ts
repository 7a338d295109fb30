// Shared by the email tests: the real app with the email channel wired to a real SMTP server inside the test, and a
// runner that drains the notification jobs (notify, then notify_email) through the worker's handlers.
import type { Express } from 'express';
import type { Knex } from 'knex';
import { jobHandlers } from '../../../server/jobs/handlers.js';
import { createSmtpMailer } from '../../../server/mail/smtp-mailer.js';
import type { ClaimedJob, JobKind } from '../../../server/store/jobs.js';
import type { ServiceDeps } from '../../../server/use-cases/deps.js';
import type { EmailDeps } from '../../../server/use-cases/email/email-deps.js';
import type { PortalSettings } from '../../../server/store/portals.js';
import { buildTestApp, callApi, TEST_BASE_URL, type TestClock } from '../../support/app.js';
import { idempotencyKey, seedDeal, seedPortal, type SeededPortal } from '../../support/factories.js';
import { createTestLogger } from '../../support/logger.js';
import type { SmtpSink } from '../../support/smtp-sink.js';

export const LINK_KEY = 'test-link-signing-key-0123456789-abcdefgh';
export const MAIL_FROM = 'Approvals <approvals@acme.example>';

export function emailDepsFor(sink: SmtpSink, baseUrl = TEST_BASE_URL): EmailDeps {
  const mailer = createSmtpMailer({ host: '127.0.0.1', port: sink.port, secure: false, requireTls: false, from: MAIL_FROM });
  return { mailer, linkKeys: [LINK_KEY], baseUrl };
}

const NOTIFY_KINDS = ['notify_email'] as const satisfies readonly JobKind[];

interface JobRow { id: string; portal_id: string; kind: JobKind; key: string; payload: unknown; attempts: number; run_at: Date }

export interface OpenOptions {
  flag?: 'on' | 'shadow'; settings?: Partial<PortalSettings>; baseUrl?: string; portalId?: string;
  /** Who requests (a directory user by the start of their email) on a deal with these properties besides the defaults. */
  requester?: string; deal?: Record<string, string>;
  /** Runs on the app before the request is opened (to set a delegation, say). */
  beforeRequest?: (app: Express, clock: TestClock, portal: SeededPortal) => Promise<void>;
}

/** A portal with the email channel wired to `sink`, and a request Noah opened on a 25% discount deal (the NA sales managers' step). */
export async function openEmailedRequest(db: Knex, sink: SmtpSink, options: OpenOptions = {}) {
  const portal = await seedPortal(db, { flag: options.flag ?? 'on', ...(options.portalId ? { portalId: options.portalId } : {}) });
  if (options.settings) {
    const row = await db('portals').where({ id: portal.portalId }).first<{ settings: PortalSettings }>('settings');
    await db('portals').where({ id: portal.portalId }).update({ settings: JSON.stringify({ ...row.settings, ...options.settings }) });
  }
  const email = emailDepsFor(sink, options.baseUrl);
  const { app, clock, logs } = buildTestApp(db, { crmFor: () => portal.crm, email });
  const deps: ServiceDeps = { db, logger: createTestLogger().logger, now: clock.now, crmFor: () => portal.crm, email };
  await options.beforeRequest?.(app, clock, portal);
  const dealId = await seedDeal(portal, { discount_percent: '25', dealname: 'Globex renewal', amount: '80000', ...options.deal });
  const opened = await callApi(app, clock, portal.as(options.requester ?? 'noah'), 'POST', `/api/v1/deals/${dealId}/requests`, {
    justification: 'Competitive pressure from Initech.\nThey sign this quarter.', idempotencyKey: idempotencyKey(),
  }).expect(201);
  return { db, portal, app, clock, logs, deps, requestId: opened.body.request.id as string, dealId, email };
}

/** Runs the portal's queued notification jobs in id order until none is left; returns the kinds it ran. */
export async function drainNotifications(deps: ServiceDeps, portalId: string): Promise<JobKind[]> {
  const ran: JobKind[] = [];
  for (let round = 0; round < 20; round++) {
    const jobs = await deps.db('jobs').where({ state: 'queued', portal_id: portalId }).whereIn('kind', NOTIFY_KINDS).orderBy('id').select<JobRow[]>('*');
    if (jobs.length === 0) return ran;
    for (const row of jobs) {
      await deps.db('jobs').where({ id: row.id }).update({ state: 'running', attempts: row.attempts + 1 });
      const job: ClaimedJob = { id: String(row.id), portalId: String(row.portal_id), kind: row.kind, key: row.key, payload: row.payload, attempts: row.attempts + 1, runAt: row.run_at.toISOString() };
      const handler = jobHandlers[row.kind as (typeof NOTIFY_KINDS)[number]];
      if (!handler) throw new Error(`no handler for ${row.kind}`);
      await handler(deps, job);
      await deps.db('jobs').where({ id: row.id }).update({ state: 'done', finished_at: deps.now() });
      ran.push(row.kind);
    }
  }
  throw new Error('jobs kept coming: a loop?');
}

/** Every notify_email job the portal has, whatever its state: to run one again. */
export async function emailJobs(db: Knex, portalId: string): Promise<ClaimedJob[]> {
  const rows = await db('jobs').where({ portal_id: portalId, kind: 'notify_email' }).orderBy('id').select<JobRow[]>('*');
  return rows.map((row) => ({ id: String(row.id), portalId: String(row.portal_id), kind: row.kind, key: row.key, payload: row.payload, attempts: row.attempts, runAt: row.run_at.toISOString() }));
}

/** The Approve and Reject links of a message's text part. */
export function linksOf(text: string | undefined): { approve: string; reject: string } {
  const approve = /^Approve: (\S+)$/m.exec(text ?? '')?.[1];
  const reject = /^Reject \(with a comment\): (\S+)$/m.exec(text ?? '')?.[1];
  if (!approve || !reject) throw new Error(`no links in the message:\n${text}`);
  return { approve, reject };
}

/** The links of the message the sink last accepted for `address`. */
export function linksFor(sink: SmtpSink, address: string): { approve: string; reject: string } {
  const message = sink.messages.findLast((sent) => !Array.isArray(sent.to) && sent.to?.value.some((to) => to.address === address));
  if (!message) throw new Error(`no message to ${address}`);
  return linksOf(message.text);
}
