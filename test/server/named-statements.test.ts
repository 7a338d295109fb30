// The hottest statements are named, so Postgres keeps their plans on each connection (server/db/database.ts). A
// deploy migrates while the processes it replaces still serve: a kept plan must survive a column added to any
// table it reads, as an unnamed statement does. Against a real Postgres, through one pooled connection, so the
// second round runs on the plans the first one kept.
import { describe, expect, it } from 'vitest';
import { createDb } from '../../server/db/database.js';
import { loadEventFacts, storeWebhookBatch } from '../../server/store/inbox.js';
import { findRequest } from '../../server/store/requests.js';
import { buildTestApp, callApi, type Caller } from '../support/app.js';
import { useTestDatabase } from '../support/db.js';
import { crowdPolicy, idempotencyKey, seedDeal, seedPortal } from '../support/factories.js';

const database = useTestDatabase();

const TABLES_READ = ['approval_requests', 'policy_versions', 'portals', 'decisions', 'idempotency_keys', 'jobs', 'webhook_events',
  'synced_properties', 'portal_budgets', 'hubspot_super_admins', 'deal_stage_history', 'traces'];

describe('named statements', () => {
  it('keep serving card views, decisions and webhook events after a migration adds columns to the tables they read', async () => {
    const { db, url } = database();
    const { source, users } = crowdPolicy(3, 'all');
    const portal = await seedPortal(db, { policySource: source, users });
    const dealId = await seedDeal(portal, { hubspot_owner_id: '900' });
    const [rep, ...approvers] = users.map((user): Caller => ({ portalId: portal.portalId, userId: user.userId!, email: user.email }));
    const served = createDb(url, { poolMax: 1 });
    try {
      const { app, clock } = buildTestApp(served);
      const opened = await callApi(app, clock, rep!, 'POST', `/api/v1/deals/${dealId}/requests`, { justification: 'a kept plan', idempotencyKey: idempotencyKey() }).expect(201);
      const requestId = opened.body.request.id as string;
      let eventId = 1;
      const round = async (approver: Caller) => {
        await callApi(app, clock, approver, 'GET', `/api/v1/deals/${dealId}/card`).expect(200);
        await callApi(app, clock, approver, 'POST', `/api/v1/requests/${requestId}/decisions`, { verdict: 'approve', idempotencyKey: idempotencyKey() }).expect(200);
        const event = { portalId: portal.portalId, eventId: String(eventId++), subscriptionType: 'deal.propertyChange', objectId: dealId, propertyName: 'amount', propertyValue: '1000', occurredAt: clock.now().getTime() };
        expect(await storeWebhookBatch(served, [{ event, raw: event, outcome: null }], [], clock.now().toISOString())).toMatchObject({ stored: 1, queued: 1 });
        const [stored] = await served('webhook_events').where({ portal_id: portal.portalId, event_id: event.eventId }).pluck('id');
        const facts = await loadEventFacts(served, [String(stored)]);
        expect(facts.get(String(stored))?.latest?.id).toBe(requestId);
        expect(await served.transaction((trx) => findRequest(trx, portal.portalId, requestId, { forUpdate: true }))).toMatchObject({ id: requestId });
        return findRequest(served, portal.portalId, requestId);
      };

      expect((await round(approvers[0]!))?.lifecycle.steps[0]?.decisions).toHaveLength(1);
      for (const table of TABLES_READ) await db.raw(`ALTER TABLE ${table} ADD COLUMN added_by_a_later_release text`);
      expect((await round(approvers[1]!))?.lifecycle.steps[0]?.decisions).toHaveLength(2);
    } finally {
      await served.destroy();
    }
  });
});
