// A step with many approvers: every one is emailed, each once, over few SMTP connections.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceDeps } from '../../../server/use-cases/deps.js';
import { buildTestApp, callApi } from '../../support/app.js';
import { useTestDatabase } from '../../support/db.js';
import { crowdPolicy, idempotencyKey, seedDeal, seedPortal } from '../../support/factories.js';
import { createTestLogger } from '../../support/logger.js';
import { startSmtpSink, type SmtpSink } from '../../support/smtp-sink.js';
import { drainNotifications, emailDepsFor } from './email-harness.js';

const database = useTestDatabase();
let sink: SmtpSink;

beforeAll(async () => { sink = await startSmtpSink(); });
afterAll(async () => { await sink.close(); });

describe('a step of 40 approvers', () => {
  it('emails each of them once, over a pooled SMTP connection', async () => {
    const { db } = database();
    const crowd = crowdPolicy(40, 'quorum', 3);
    const portal = await seedPortal(db, { policySource: crowd.source, users: crowd.users });
    const email = emailDepsFor(sink);
    const { app, clock } = buildTestApp(db, { crmFor: () => portal.crm, email });
    const deps: ServiceDeps = { db, logger: createTestLogger().logger, now: clock.now, crmFor: () => portal.crm, email };
    const dealId = await seedDeal(portal, { hubspot_owner_id: '900' });
    await callApi(app, clock, portal.as('rep'), 'POST', `/api/v1/deals/${dealId}/requests`, { justification: 'Large crowd', idempotencyKey: idempotencyKey() }).expect(201);
    const before = sink.connections();
    const started = performance.now();
    await drainNotifications(deps, portal.portalId);
    const elapsed = performance.now() - started;
    const sent = sink.messages.map((message) => (Array.isArray(message.to) ? null : message.to?.value[0]?.address));
    expect(new Set(sent).size).toBe(40);
    expect(sent).toHaveLength(40);
    // Without the pool: one connection a message (40), and about three times as long.
    expect(sink.connections() - before).toBeLessThanOrEqual(2);
    expect(elapsed).toBeGreaterThan(0);
    email.mailer?.close();
  }, 60_000);
});
