import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { buildTestApp, callApi } from '../support/app.js';
import { useTestDatabase } from '../support/db.js';
import { idempotencyKey, seedDeal, seedPortal } from '../support/factories.js';
import { markPortalUninstalled } from '../../server/store/portals.js';
import { recordPosture } from '../../server/store/rollout-posture.js';

const database = useTestDatabase();

describe('/metrics', () => {
  it('counts decisions, signature failures, latency by route, and reads requests, jobs and lag from Postgres', async () => {
    const { db } = database();
    const portal = await seedPortal(db);
    const { app, clock } = buildTestApp(db);
    const dealId = await seedDeal(portal, { discount_percent: '25' });
    await callApi(app, clock, portal.as('noah'), 'GET', `/api/v1/deals/${dealId}/card`).expect(200);
    const opened = await callApi(app, clock, portal.as('noah'), 'POST', `/api/v1/deals/${dealId}/requests`, { justification: 'x', idempotencyKey: idempotencyKey() }).expect(201);
    const key = idempotencyKey();
    for (const _ of [1, 2]) await callApi(app, clock, portal.as('ben'), 'POST', `/api/v1/requests/${opened.body.request.id}/decisions`, { verdict: 'approve', idempotencyKey: key }).expect(200);
    await request(app).get(`/api/v1/inbox?portalId=${portal.portalId}&userId=1&userEmail=a@b.example`).set('X-HubSpot-Signature-v3', 'forged').set('X-HubSpot-Request-Timestamp', String(clock.now().getTime())).expect(401);

    const text = (await request(app).get('/metrics').expect(200)).text;
    expect(text).toContain('approval_router_decisions_total{verdict="approve"} 1'); // the idempotent replay is not counted again
    expect(text).toContain('approval_router_signature_failures_total{reason="mismatch"} 1');
    expect(text).toMatch(/approval_router_http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/deals\/:dealId\/card",status="200"\} 1/);
    expect(text).toContain('approval_router_requests{state="approved"} 1');
    expect(text).toMatch(/approval_router_jobs\{kind="sync_deal",state="queued"\} 1/);
    expect(text).toMatch(/approval_router_outbox_lag_seconds \d/);
  });

  it('reports each installed portal\'s posture as last recorded, whichever process recorded it', async () => {
    const { db } = database();
    const [watched, healed, gone] = [await seedPortal(db), await seedPortal(db), await seedPortal(db)];
    const { app, clock } = buildTestApp(db);
    const record = (portalId: string, to: 'healthy' | 'degraded' | 'critical') => recordPosture(db, portalId, { to, at: clock.now().toISOString(), reasons: [], versionId: null, signals: null });
    await record(watched.portalId, 'degraded');
    await record(healed.portalId, 'critical');
    await record(healed.portalId, 'healthy');
    await record(gone.portalId, 'critical');
    await markPortalUninstalled(db, gone.portalId, clock.now());

    const text = (await request(app).get('/metrics').expect(200)).text;
    expect(text).toContain(`approval_router_posture{portal="${watched.portalId}"} 1`);
    expect(text).toContain(`approval_router_posture{portal="${healed.portalId}"} 0`);
    expect(text).not.toContain(`approval_router_posture{portal="${gone.portalId}"}`);
  });

  it('requires the bearer token when one is configured', async () => {
    const { db } = database();
    const { app } = buildTestApp(db, { metricsToken: 'metrics-token-0123456789' });
    await request(app).get('/metrics').expect(401);
    await request(app).get('/metrics').set('Authorization', 'Bearer metrics-token-0123456788').expect(401);
    await request(app).get('/metrics').set('Authorization', 'Bearer metrics-token-0123456789').expect(200);
  });
});
