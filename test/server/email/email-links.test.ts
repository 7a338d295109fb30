// The pages an email's links open. GET shows what is asked and decides nothing; the page's POST decides through the
// card's use case (the trace says `email`), once. A used, expired, stale, tampered or cross-site link decides nothing
// and says why.
import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { findPortal } from '../../../server/store/portals.js';
import { findRequest } from '../../../server/store/requests.js';
import { callApi, TEST_BASE_URL } from '../../support/app.js';
import { useTestDatabase } from '../../support/db.js';
import { idempotencyKey, seedDeal } from '../../support/factories.js';
import { startSmtpSink, type SmtpSink } from '../../support/smtp-sink.js';
import { drainNotifications, linksFor, openEmailedRequest } from './email-harness.js';

const database = useTestDatabase();
let sink: SmtpSink;

beforeAll(async () => { sink = await startSmtpSink(); });
afterAll(async () => { await sink.close(); });
beforeEach(() => { sink.messages.length = 0; });

const BEN = 'ben.carter@acme.example';
const BELLA = 'bella.diaz@acme.example';

async function emailed() {
  const setup = await openEmailedRequest(database().db, sink);
  await drainNotifications(setup.deps, setup.portal.portalId);
  const path = (url: string) => url.slice(TEST_BASE_URL.length);
  const state = async () => {
    const found = await findRequest(setup.db, setup.portal.portalId, setup.requestId);
    return { row_version: found?.rowVersion, state: found?.lifecycle.state };
  };
  return { ...setup, ben: linksFor(sink, BEN), bella: linksFor(sink, BELLA), path, state };
}

type App = Awaited<ReturnType<typeof emailed>>['app'];

/** Opens the link as a browser does, then submits its form: the cookie and the form's own token go with it. */
async function openAndSubmit(app: App, path: string, comment = '', tweak: { origin?: string | null; cookie?: boolean; csrf?: string } = {}) {
  const page = await request(app).get(path).expect(200);
  const cookie = page.headers['set-cookie'] as unknown as string[];
  const csrf = /name="csrf" value="([^"]+)"/.exec(page.text)?.[1] ?? '';
  const version = /name="version" value="(\d+)"/.exec(page.text)?.[1] ?? '';
  const post = request(app).post(path).type('form');
  if (tweak.origin !== null) post.set('Origin', tweak.origin ?? TEST_BASE_URL);
  if (tweak.cookie !== false) post.set('Cookie', cookie.map((line) => line.split(';')[0]).join('; '));
  return post.send({ csrf: tweak.csrf ?? csrf, version, comment });
}

describe('one-click email links', () => {
  it('open a confirmation page that decides nothing, served with a strict policy and a SameSite cookie', async () => {
    const { app, ben, path, state } = await emailed();
    const page = await request(app).get(path(ben.approve)).expect(200);
    expect(page.text).toContain('Approve Globex renewal?');
    expect(page.text).toContain('You are deciding as <strong>Ben Carter (ben.carter@acme.example)</strong>');
    expect(page.text).toContain('Competitive pressure from Initech.');
    expect(page.headers['content-security-policy']).toMatch(/default-src 'none'.*form-action 'self'/);
    expect(page.headers['referrer-policy']).toBe('same-origin');
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.headers['set-cookie']?.[0]).toMatch(/^ar-email-form=[\w-]+; Path=\/; HttpOnly; SameSite=Strict$/);
    // Opened three times (a mail scanner, a preview, the approver): still pending, still version 1.
    await request(app).get(path(ben.approve)).expect(200);
    await request(app).head(path(ben.reject)).expect(200);
    expect(await state()).toEqual({ row_version: 1, state: 'pending' });
  });

  it('approve through the page\'s POST, as the card would, with the channel in the trace, and only once', async () => {
    const { app, db, ben, path, state, requestId } = await emailed();
    const done = await openAndSubmit(app, path(ben.approve), 'Fine by me');
    expect(done.status).toBe(200);
    expect(done.text).toContain('You approved Globex renewal');
    expect(await state()).toEqual({ row_version: 2, state: 'approved' });
    const trace = await db('traces').where({ request_id: requestId, kind: 'decision' }).first<{ input: string }>('input');
    expect(JSON.parse(trace?.input ?? '{}')).toMatchObject({ command: 'decide', approver: BEN, verdict: 'approve', comment: 'Fine by me', channel: 'email' });
    expect(await db('email_link_uses').where({ request_id: requestId }).select('approver_email', 'verdict')).toEqual([{ approver_email: BEN, verdict: 'approve' }]);

    const again = await request(app).get(path(ben.approve)).expect(410);
    expect(again.text).toContain('This link was already used');
    // The Reject link of the same email shares the use.
    expect((await request(app).get(path(ben.reject)).expect(410)).text).toContain('already used');
    // The other approver's link: the request is closed.
    expect((await request(app).get(path(linksFor(sink, BELLA).approve)).expect(409)).text).toContain('This request has moved on');
    expect(await state()).toEqual({ row_version: 2, state: 'approved' });
  });

  it('reject only with a comment', async () => {
    const { app, ben, path, state, db, requestId } = await emailed();
    const bare = await openAndSubmit(app, path(ben.reject), '   ');
    expect(bare.status).toBe(400);
    expect(bare.text).toContain('A rejection needs a comment');
    expect(await state()).toEqual({ row_version: 1, state: 'pending' });
    const done = await openAndSubmit(app, path(ben.reject), 'Margin too thin');
    expect(done.text).toContain('You rejected Globex renewal');
    expect(await state()).toEqual({ row_version: 2, state: 'rejected' });
    const trace = await db('traces').where({ request_id: requestId, kind: 'decision' }).first<{ input: string }>('input');
    expect(JSON.parse(trace?.input ?? '{}')).toMatchObject({ verdict: 'reject', comment: 'Margin too thin', channel: 'email' });
  });

  it('refuse a form posted from another site, without the page\'s token, or without the browser\'s cookie', async () => {
    const { app, ben, path, state } = await emailed();
    for (const tweak of [{ origin: 'https://evil.example' }, { origin: null }, { cookie: false }, { csrf: 'A'.repeat(43) }]) {
      const refused = await openAndSubmit(app, path(ben.approve), '', tweak);
      expect(refused.status).toBe(403);
      expect(refused.text).toContain('This confirmation could not be checked');
    }
    expect(await state()).toEqual({ row_version: 1, state: 'pending' });
  });

  it('refuse a tampered link, an expired one, and one whose approver decided on the card', async () => {
    const { app, ben, bella, path, state, clock, portal, requestId } = await emailed();
    const [payload = '', signature = ''] = path(ben.approve).slice('/email/decide/'.length).split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...claims, a: 'noah.king@acme.example' })).toString('base64url');
    for (const token of [`${forged}.${signature}`, `${payload}.${signature.slice(0, -2)}`, 'nonsense']) {
      expect((await request(app).get(`/email/decide/${token}`).expect(400)).text).toContain('This link is not valid');
      expect((await request(app).post(`/email/decide/${token}`).type('form').set('Origin', TEST_BASE_URL).send({ csrf: 'x', version: '1' }).expect(400)).text).toContain('This link is not valid');
    }

    await callApi(app, clock, portal.as('bella'), 'POST', `/api/v1/requests/${requestId}/decisions`, { verdict: 'reject', comment: 'no', idempotencyKey: idempotencyKey() }).expect(200);
    expect((await request(app).get(path(bella.approve)).expect(409)).text).toContain('This was already decided');

    clock.advanceHours(24);
    expect((await request(app).get(path(ben.approve)).expect(410)).text).toContain('This link has expired');
    expect(await state()).toEqual({ row_version: 2, state: 'rejected' });
  });

  it('ask again when the request changed between the page and the confirmation', async () => {
    const { app, ben, path, state } = await emailed();
    const page = await request(app).get(path(ben.approve)).expect(200);
    const cookie = (page.headers['set-cookie'] as unknown as string[])[0]!.split(';')[0]!;
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.text)?.[1] ?? '';
    const changed = await request(app).post(path(ben.approve)).type('form').set({ Origin: TEST_BASE_URL, Cookie: cookie }).send({ csrf, version: '7', comment: '' });
    expect(changed.status).toBe(409);
    expect(changed.text).toContain('This request changed since the page was shown');
    expect(await state()).toEqual({ row_version: 1, state: 'pending' });
  });

  it('decide as the delegate, for the approver they stand in for, as the card records it', async () => {
    const anna = 'anna.berg@acme.example';
    const cro = 'cro@acme.example';
    const setup = await openEmailedRequest(database().db, sink, {
      requester: 'ava', deal: { hubspot_owner_id: '101' },
      beforeRequest: async (app, clock, portal) => {
        const admin = portal.as('dealdesk');
        const version = (await callApi(app, clock, admin, 'GET', '/api/v1/admin/delegations').expect(200)).body.version as number;
        await callApi(app, clock, admin, 'POST', '/api/v1/admin/delegations', {
          from: anna, to: cro, startsAt: '2026-11-27T08:00:00Z', endsAt: '2026-11-28T12:00:00Z', idempotencyKey: idempotencyKey(), expectedVersion: version,
        }).expect(201);
      },
    });
    await drainNotifications(setup.deps, setup.portal.portalId);
    // The step waits on the delegate: only they are emailed.
    expect(sink.messages.map((sent) => (Array.isArray(sent.to) ? null : sent.to?.value[0]?.address))).toEqual([cro]);
    const done = await openAndSubmit(setup.app, linksFor(sink, cro).approve.slice(TEST_BASE_URL.length));
    expect(done.text).toContain('You approved Globex renewal');
    const trace = await setup.db('traces').where({ request_id: setup.requestId, kind: 'decision' }).first<{ input: string }>('input');
    expect(JSON.parse(trace?.input ?? '{}')).toMatchObject({ approver: cro, onBehalfOf: anna, channel: 'email' });
  });

  it('carry a two-step request through by email: the second step\'s approvers are emailed when the first is approved', async () => {
    const setup = await openEmailedRequest(database().db, sink, { deal: { payment_terms: 'net_90' } });
    await drainNotifications(setup.deps, setup.portal.portalId);
    const bella = linksFor(sink, BELLA);
    await openAndSubmit(setup.app, linksFor(sink, BEN).approve.slice(TEST_BASE_URL.length), 'Terms are fine for us');
    sink.messages.length = 0;
    expect(await drainNotifications(setup.deps, setup.portal.portalId)).toEqual(['notify_email']);
    // Finance, any one of them; Felix Old is inactive.
    const finance = ['cfo@acme.example', 'farah.nasser@acme.example', 'fiona.hughes@acme.example', 'frank.meyer@acme.example'];
    expect(sink.messages.map((sent) => (Array.isArray(sent.to) ? null : sent.to?.value[0]?.address)).sort()).toEqual(finance);
    expect((await request(setup.app).get(bella.approve.slice(TEST_BASE_URL.length)).expect(409)).text).toContain('The request has moved on to another step.');
    const done = await openAndSubmit(setup.app, linksFor(sink, 'fiona.hughes@acme.example').approve.slice(TEST_BASE_URL.length));
    expect(done.text).toContain('The request is now approved.');
    const found = await findRequest(setup.db, setup.portal.portalId, setup.requestId);
    expect(found?.lifecycle.steps.map((step) => step.decisions.map((decision) => decision.approver))).toEqual([[BEN], ['fiona.hughes@acme.example']]);
  });

  it('let a person stop approval emails from the link at the foot, or their mail client\'s one-click unsubscribe', async () => {
    const setup = await emailed();
    const message = sink.messages.find((sent) => !Array.isArray(sent.to) && sent.to?.value[0]?.address === BEN);
    // mailparser reads the List-* headers into one `list` entry.
    const list = message?.headers.get('list') as { unsubscribe?: { url?: string }; 'unsubscribe-post'?: { name?: string } } | undefined;
    expect(list?.['unsubscribe-post']?.name).toBe('List-Unsubscribe=One-Click');
    const optOut = list?.unsubscribe?.url ?? '';
    expect(optOut.startsWith(`${TEST_BASE_URL}/email/opt-out/`)).toBe(true);
    expect(message?.text).toContain(`No more approval emails: ${optOut}`);
    const optedOut = async () => ((await findPortal(setup.db, setup.portal.portalId))?.settings.emailOptOuts ?? []);

    const page = await request(setup.app).get(setup.path(optOut)).expect(200);
    expect(page.text).toContain('Stop approval emails?');
    expect(await optedOut()).toEqual([]);
    // As a mail client sends it (RFC 8058): no page, no cookie; the signed token is the whole credential.
    const done = await request(setup.app).post(setup.path(optOut)).type('form').send('List-Unsubscribe=One-Click').expect(200);
    expect(done.text).toContain('No more approval emails');
    await request(setup.app).post(setup.path(optOut)).type('form').send('').expect(200);
    expect(await optedOut()).toEqual([BEN]);
    expect((await request(setup.app).post(`${setup.path(optOut)}x`).expect(400)).text).toContain('This link is not valid');

    // The next request's email goes to Bella alone.
    sink.messages.length = 0;
    const dealId = await seedDeal(setup.portal, { discount_percent: '25' });
    await callApi(setup.app, setup.clock, setup.portal.as('noah'), 'POST', `/api/v1/deals/${dealId}/requests`, { justification: 'again', idempotencyKey: idempotencyKey() }).expect(201);
    await drainNotifications(setup.deps, setup.portal.portalId);
    expect(sink.messages.map((sent) => (Array.isArray(sent.to) ? null : sent.to?.value[0]?.address))).toEqual([BELLA]);
  });
});
