// Which channels a portal uses (admins choose, against the version they read) and a user's own email opt-out, as the
// email and Slack channels read them through channel-settings.ts.
import { describe, expect, it } from 'vitest';
import { MyNotificationsView, NotificationSettingsView } from '../../../src/contract/notification-settings.js';
import { findPortal } from '../../../server/store/portals.js';
import { channelsOf, emailOptedOut } from '../../../server/use-cases/notify/channel-settings.js';
import { buildTestApp, callApi, captureApi, type ApiMethod } from '../../support/app.js';
import { useTestDatabase } from '../../support/db.js';
import { idempotencyKey, seedPortal } from '../../support/factories.js';

const database = useTestDatabase();

async function setup() {
  const { db } = database();
  const portal = await seedPortal(db, { admins: ['dealdesk@acme.example'] });
  const { app, clock } = buildTestApp(db);
  const call = (who: string, method: ApiMethod, path: string, body?: unknown) => callApi(app, clock, portal.as(who), method, path, body);
  const capture = (who: string, method: ApiMethod, path: string, body?: unknown) => captureApi(app, clock, portal.as(who), method, path, body);
  const stored = async () => (await findPortal(db, portal.portalId))!;
  return { db, portal, call, capture, stored };
}

describe('the portal\'s notification channels', () => {
  it('start with HubSpot tasks and email on and Slack off', async () => {
    const { call, stored } = await setup();
    const read = await call('dealdesk', 'GET', '/api/v1/admin/notifications').expect(200);
    expect(NotificationSettingsView.parse(read.body)).toEqual({ version: 1, channels: { tasks: true, email: true, slack: false }, emailOptOuts: [] });
    expect(channelsOf(await stored())).toEqual({ tasks: true, email: true, slack: false });
  });

  it('change when an admin sets them against the version read, and the change is traced', async () => {
    const { db, portal, call, stored } = await setup();
    const changed = await call('dealdesk', 'PUT', '/api/v1/admin/notifications', { channels: { slack: true, email: false }, idempotencyKey: idempotencyKey(), expectedVersion: 1 }).expect(200);
    expect(changed.body).toEqual({ version: 2, channels: { tasks: true, email: false, slack: true }, emailOptOuts: [] });
    expect(channelsOf(await stored())).toEqual({ tasks: true, email: false, slack: true });

    // A channel left out keeps its setting.
    const again = await call('dealdesk', 'PUT', '/api/v1/admin/notifications', { channels: { email: true }, idempotencyKey: idempotencyKey(), expectedVersion: 2 }).expect(200);
    expect(again.body.channels).toEqual({ tasks: true, email: true, slack: true });
    const traces = await db('traces').where({ portal_id: portal.portalId, kind: 'settings' }).orderBy('id').select<{ output: string }[]>('output');
    expect(traces.map((trace) => (JSON.parse(trace.output) as { version: number }).version)).toEqual([2, 3]);
  });

  it('refuse a change made against a version that moved on (409), and answer a repeat as the first time, changing nothing', async () => {
    const { call, capture, stored } = await setup();
    const first = capture('dealdesk', 'PUT', '/api/v1/admin/notifications', { channels: { slack: true }, idempotencyKey: idempotencyKey(), expectedVersion: 1 });
    const answered = await first().expect(200);
    await call('dealdesk', 'PUT', '/api/v1/admin/notifications', { channels: { slack: false }, idempotencyKey: idempotencyKey(), expectedVersion: 1 }).expect(409);
    await call('dealdesk', 'PUT', '/api/v1/admin/notifications', { channels: { slack: false }, idempotencyKey: idempotencyKey(), expectedVersion: 2 }).expect(200);

    const replayed = await first().expect(200);
    expect(replayed.body).toEqual(answered.body);
    expect(channelsOf(await stored()).slack).toBe(false);
  });

  it('keep HubSpot tasks on and take nothing but booleans (400 with the field paths)', async () => {
    const { call } = await setup();
    const off = await call('dealdesk', 'PUT', '/api/v1/admin/notifications', { channels: { tasks: false }, idempotencyKey: idempotencyKey(), expectedVersion: 1 }).expect(400);
    expect(off.body.error.details).toEqual([{ path: 'body.channels.tasks', message: 'HubSpot tasks and notes are always on' }]);
    const odd = await call('dealdesk', 'PUT', '/api/v1/admin/notifications', { channels: { sms: true, email: 'yes' }, idempotencyKey: idempotencyKey(), expectedVersion: 1 }).expect(400);
    expect((odd.body.error.details as { path: string }[]).map((d) => d.path).sort()).toEqual(['body.channels', 'body.channels.email']);
  });

  it('are read and changed by the portal\'s admins only', async () => {
    const { call } = await setup();
    await call('noah', 'GET', '/api/v1/admin/notifications').expect(403);
    await call('noah', 'PUT', '/api/v1/admin/notifications', { channels: { slack: true }, idempotencyKey: idempotencyKey(), expectedVersion: 1 }).expect(403);
    await call('vp.sales', 'GET', '/api/v1/admin/notifications').expect(200);
  });
});

describe('a user\'s email opt-out', () => {
  it('is theirs to set and unset, seen by the email channel through emailOptedOut, and shown to admins', async () => {
    const { call, stored } = await setup();
    const mine = await call('noah', 'GET', '/api/v1/me/notifications').expect(200);
    expect(MyNotificationsView.parse(mine.body)).toEqual({ email: 'noah.king@acme.example', emailOptOut: false, channels: { tasks: true, email: true, slack: false } });

    const out = await call('noah', 'PUT', '/api/v1/me/notifications', { emailOptOut: true, idempotencyKey: idempotencyKey() }).expect(200);
    expect(out.body.emailOptOut).toBe(true);
    expect(emailOptedOut(await stored(), 'Noah.King@ACME.example')).toBe(true);
    expect(emailOptedOut(await stored(), 'ben.carter@acme.example')).toBe(false);
    expect((await call('ben', 'GET', '/api/v1/me/notifications').expect(200)).body.emailOptOut).toBe(false);
    expect((await call('dealdesk', 'GET', '/api/v1/admin/notifications').expect(200)).body.emailOptOuts).toEqual(['noah.king@acme.example']);

    await call('noah', 'PUT', '/api/v1/me/notifications', { emailOptOut: true, idempotencyKey: idempotencyKey() }).expect(200);
    expect((await stored()).settings.emailOptOuts).toEqual(['noah.king@acme.example']);
    await call('noah', 'PUT', '/api/v1/me/notifications', { emailOptOut: false, idempotencyKey: idempotencyKey() }).expect(200);
    expect(emailOptedOut(await stored(), 'noah.king@acme.example')).toBe(false);
  });

  it('cannot be undone by replaying an earlier request: the repeat answers as the first did and changes nothing', async () => {
    const { call, capture, stored } = await setup();
    const optOut = capture('noah', 'PUT', '/api/v1/me/notifications', { emailOptOut: true, idempotencyKey: idempotencyKey() });
    await optOut().expect(200);
    await call('noah', 'PUT', '/api/v1/me/notifications', { emailOptOut: false, idempotencyKey: idempotencyKey() }).expect(200);
    const replayed = await optOut().expect(200);
    expect(replayed.body.emailOptOut).toBe(true);
    expect(emailOptedOut(await stored(), 'noah.king@acme.example')).toBe(false);
  });

  it('keeps the admin\'s channel version: a user opting out never makes an admin\'s page stale', async () => {
    const { call } = await setup();
    await call('noah', 'PUT', '/api/v1/me/notifications', { emailOptOut: true, idempotencyKey: idempotencyKey() }).expect(200);
    await call('dealdesk', 'PUT', '/api/v1/admin/notifications', { channels: { slack: true }, idempotencyKey: idempotencyKey(), expectedVersion: 1 }).expect(200);
  });

  it('needs a boolean and a key', async () => {
    const { call } = await setup();
    const bad = await call('noah', 'PUT', '/api/v1/me/notifications', { emailOptOut: 'yes' }).expect(400);
    expect((bad.body.error.details as { path: string }[]).map((d) => d.path).sort()).toEqual(['body.emailOptOut', 'body.idempotencyKey']);
  });
});
