// Slack as approvers use it: an admin connects the workspace, a step that starts sends each approver a direct
// message with Approve / Reject, and Slack's signed button clicks and modal submissions decide through the same
// use case as the card; every message then shows what became of the request. Slack is the real @slack/web-api
// against nock; interactivity arrives over HTTP signed as Slack signs it.
import { Readable } from 'node:stream';
import request from 'supertest';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { run as runSlackCommand } from '../../server/commands/slack.js';
import { buildTestApp, callApi } from '../support/app.js';
import { useTestDatabase } from '../support/db.js';
import { idempotencyKey, seedDeal, seedPortal } from '../support/factories.js';
import { jobHandlers } from '../../server/jobs/handlers.js';
import { JobWorker } from '../../server/jobs/worker.js';
import { RetryLaterError } from '../../server/errors.js';
import { KEYS } from '../support/hubspot.js';
import { createTestLogger } from '../support/logger.js';
import {
  BOT_TOKEN, buttonClick, dmOf, drainNotifications, fakeSlack, rejectSubmission, sendInteraction, SIGNING_SECRET, slackUserOf,
  testSlackSetup, type FakeSlack,
} from './slack-support.js';

const database = useTestDatabase();
const BEN = 'ben.carter@acme.example';

let slack: FakeSlack | undefined;
afterEach(() => { slack?.done(); slack = undefined; vi.restoreAllMocks(); vi.unstubAllEnvs(); });

async function setup(options: { flag?: 'on' | 'shadow'; slackChannel?: boolean; connect?: boolean; answerWithinMs?: number } = {}) {
  const { db } = database();
  slack = fakeSlack();
  const portal = await seedPortal(db, { flag: options.flag ?? 'on' });
  await db('portals').where({ id: portal.portalId }).update({
    settings: JSON.stringify({ admins: ['dealdesk@acme.example'], channels: { slack: options.slackChannel ?? true } }),
  });
  const setupSlack = testSlackSetup(options.answerWithinMs);
  // One logger for the app and the jobs, at its most verbose, so a test can read every line either wrote.
  const { logger, lines } = createTestLogger('trace');
  const built = buildTestApp(db, { crmFor: () => portal.crm, slack: setupSlack, logger });
  const deps = { db, logger, now: built.clock.now, crmFor: () => portal.crm, slack: setupSlack };
  const call = (who: string, method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown) => callApi(built.app, built.clock, portal.as(who), method, path, body);
  if (options.connect ?? true) {
    await call('dealdesk', 'PUT', '/api/v1/admin/slack', { botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET, idempotencyKey: idempotencyKey(), expectedVersion: 0 }).expect(200);
  }
  const open = async () => {
    const dealId = await seedDeal(portal, { discount_percent: '25' });
    const opened = await call('noah', 'POST', `/api/v1/deals/${dealId}/requests`, { justification: 'Competitive <swap> & renewal', idempotencyKey: idempotencyKey() }).expect(201);
    return { dealId, requestId: opened.body.request.id as string };
  };
  const drain = () => drainNotifications(deps, portal.portalId);
  const interact = (payload: object, opts?: Parameters<typeof sendInteraction>[3]) => sendInteraction(built.app, built.clock.now().getTime(), payload, opts);
  return { db, portal, deps, call, open, drain, interact, app: built.app, clock: built.clock, logs: lines, fake: slack };
}

const blockText = (blocks: unknown) => JSON.stringify(blocks);

describe('Slack connection', () => {
  it('is stored sealed, shown without its secrets, and guarded by version and idempotency key', async () => {
    const { db, portal, call, fake } = await setup({ connect: false, slackChannel: false });
    const key = idempotencyKey();
    const body = { botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET, idempotencyKey: key, expectedVersion: 0 };
    const connected = await call('dealdesk', 'PUT', '/api/v1/admin/slack', body).expect(200);
    expect(connected.body).toMatchObject({ connected: true, channelOn: false, version: 1, teamId: fake.teamId, teamName: 'Acme', botUserId: 'UBOT01', connectedBy: 'dealdesk@acme.example' });
    expect(connected.body.interactivityUrl).toMatch(/\/slack\/interactivity$/);
    expect(fake.of('auth.test').map((c) => c.token)).toEqual([BOT_TOKEN]);

    const row = await db('slack_connections').where({ portal_id: portal.portalId }).first<{ bot_token_ciphertext: Buffer; signing_secret_ciphertext: Buffer }>();
    expect(row.bot_token_ciphertext.toString('latin1')).not.toContain(BOT_TOKEN);
    expect(row.signing_secret_ciphertext.toString('latin1')).not.toContain(SIGNING_SECRET);

    const seen = await call('dealdesk', 'GET', '/api/v1/admin/slack').expect(200);
    expect(JSON.stringify(seen.body)).not.toContain(BOT_TOKEN);
    expect(JSON.stringify(seen.body)).not.toContain(SIGNING_SECRET);
    // The same key replays the answer; an old version is a conflict; a non-admin is refused.
    expect((await call('dealdesk', 'PUT', '/api/v1/admin/slack', body).expect(200)).body.version).toBe(1);
    await call('dealdesk', 'PUT', '/api/v1/admin/slack', { ...body, idempotencyKey: idempotencyKey() }).expect(409);
    await call('noah', 'GET', '/api/v1/admin/slack').expect(403);
    const gone = await call('dealdesk', 'DELETE', `/api/v1/admin/slack?idempotencyKey=${idempotencyKey()}&expectedVersion=1`).expect(200);
    expect(gone.body).toMatchObject({ connected: false, version: 2, teamId: null });
  });

  it('refuses a token Slack refuses as a 400 on the field, and bad input with field paths', async () => {
    const { call, fake } = await setup({ connect: false });
    fake.answerNext('auth.test', [200, { ok: false, error: 'invalid_auth' }]);
    const refused = await call('dealdesk', 'PUT', '/api/v1/admin/slack', { botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET, idempotencyKey: idempotencyKey(), expectedVersion: 0 }).expect(400);
    expect(JSON.stringify(refused.body)).toContain('body.botToken');
    const bad = await call('dealdesk', 'PUT', '/api/v1/admin/slack', { botToken: 'xoxp-user-token', signingSecret: 'short', idempotencyKey: idempotencyKey(), expectedVersion: 0 }).expect(400);
    expect(JSON.stringify(bad.body)).toContain('botToken');
    expect(JSON.stringify(bad.body)).toContain('signingSecret');
    expect(JSON.stringify(bad.body)).not.toContain('xoxp-user-token');
  });
});

describe('Slack approval messages', () => {
  it('go to each approver of a step that starts, once, with the deal summary and the buttons', async () => {
    const { db, portal, deps, clock, open, drain, fake } = await setup();
    const { requestId } = await open();
    expect(await drain()).toEqual(['notify_slack']);
    const posts = fake.of('chat.postMessage');
    expect(posts.map((p) => p.args.channel)).toContain(dmOf(BEN));
    expect(fake.of('users.lookupByEmail').map((c) => c.args.email)).toContain(BEN);
    const ben = posts.find((p) => p.args.channel === dmOf(BEN))!;
    expect(ben.token).toBe(BOT_TOKEN);
    const blocks = blockText(ben.args.blocks);
    expect(blocks).toContain('Approval needed');
    expect(blocks).toContain(`${requestId}:0`);
    expect(blocks).toContain('"action_id":"approve"');
    expect(blocks).toContain('"action_id":"reject"');
    // What the rep typed is escaped, never read as Slack markup.
    expect(blocks).toContain('Competitive &lt;swap&gt; &amp; renewal');
    expect(String(ben.args.text)).toContain('score');
    // The same change told again (a retried job) posts nothing more: each message is claimed before it is posted.
    const job = await db('jobs').where({ portal_id: portal.portalId, kind: 'notify_slack' }).first<{ key: string; payload: unknown }>();
    await jobHandlers.notify_slack!(deps, { id: '0', portalId: portal.portalId, kind: 'notify_slack', key: job.key, payload: job.payload, attempts: 2, runAt: clock.now().toISOString() });
    expect(fake.of('chat.postMessage')).toHaveLength(posts.length);
  });

  it('are not sent in shadow mode, nor when the portal has Slack off', async () => {
    const shadow = await setup({ flag: 'shadow' });
    await shadow.open();
    await shadow.drain();
    expect(shadow.fake.of('chat.postMessage')).toEqual([]);
    slack?.done();
    const off = await setup({ slackChannel: false });
    await off.open();
    expect(await off.drain()).toEqual([]);
    expect(off.fake.of('chat.postMessage')).toEqual([]);
  });
});

describe('Slack interactivity', () => {
  it('approves from the button through the card\'s use case, records the channel, and updates the message', async () => {
    const { db, portal, open, drain, interact, fake, call } = await setup();
    const { requestId, dealId } = await open();
    await drain();
    await interact(buttonClick(fake.teamId, BEN, 'approve', requestId, 0)).expect(200);
    const card = await call('noah', 'GET', `/api/v1/deals/${dealId}/card`).expect(200);
    expect(JSON.stringify(card.body)).toContain('approved');
    const traces = await db('traces').where({ portal_id: portal.portalId, request_id: requestId }).select<{ input: string }[]>('input');
    expect(traces.some((t) => t.input.includes('"channel":"slack"') && t.input.includes(BEN))).toBe(true);
    await drain();
    const update = fake.of('chat.update').find((u) => u.args.channel === dmOf(BEN))!;
    expect(update).toBeDefined();
    const blocks = blockText(update.args.blocks);
    expect(blocks).not.toContain('"action_id":"approve"');
    expect(blocks).toContain('You approved');
  });

  it('refuses a bad signature, a stale timestamp, and an unknown workspace with 401, deciding nothing', async () => {
    const { open, drain, interact, db, fake } = await setup();
    const { requestId } = await open();
    await drain();
    const click = buttonClick(fake.teamId, BEN, 'approve', requestId, 0);
    await interact(click, { secret: 'another-secret-0123456789' }).expect(401);
    await interact(click, { timestamp: Math.floor(Date.parse('2026-11-27T08:54:00Z') / 1000) }).expect(401);
    await interact({ ...click, team: { id: 'T0OTHER1' }, user: { id: slackUserOf(BEN) } }).expect(401);
    const decisions = await db('decisions').where({ request_id: requestId }).count<{ count: string }[]>('* as count');
    expect(Number(decisions[0]!.count)).toBe(0);
  });

  it('answers what Slack never sends with a 4xx, never a 5xx, and without internals', async () => {
    const { app, interact, fake } = await setup();
    const post = () => request(app).post('/slack/interactivity');
    expect((await post().type('json').send({ payload: '{}' })).status).toBe(415);
    expect((await post().type('form').send('token=abc')).status).toBe(400);
    expect((await post().type('form').send('payload=%7Bnot-json')).status).toBe(400);
    expect((await post().type('form').send(`payload=${'x'.repeat(1024 * 1024 + 10)}`)).status).toBe(413);
    await interact({ type: 'block_actions' }).expect(401);
    await interact({ type: 'block_actions', team: { id: fake.teamId }, user: { id: 'UX' } }, { timestamp: 1 }).expect(401);
    const odd = await interact({ type: 'block_actions', team: { id: fake.teamId }, user: { id: slackUserOf(BEN) }, actions: 'none' });
    expect(odd.status).toBe(400);
    expect(JSON.stringify(odd.body)).not.toMatch(/at .*\.ts:\d+|select |postgres/i);
  });

  it('rejects through the modal: Reject opens it, a blank comment is refused in the modal, a comment decides', async () => {
    const { db, portal, open, drain, interact, fake } = await setup();
    const { requestId } = await open();
    await drain();
    await interact(buttonClick(fake.teamId, BEN, 'reject', requestId, 0, 'trigger-reject-1')).expect(200);
    const opened = fake.of('views.open');
    expect(opened).toHaveLength(1);
    expect(opened[0]!.args.trigger_id).toBe('trigger-reject-1');
    const view = opened[0]!.args.view as { callback_id: string; private_metadata: string };
    expect(view.callback_id).toBe('reject_request');

    const blank = await interact(rejectSubmission(fake.teamId, BEN, view.private_metadata, '   ')).expect(200);
    expect(blank.body).toMatchObject({ response_action: 'errors', errors: { comment: expect.stringContaining('Say why') } });
    expect(await db('decisions').where({ request_id: requestId }).select('id')).toEqual([]);

    const done = await interact(rejectSubmission(fake.teamId, BEN, view.private_metadata, 'Margin too thin')).expect(200);
    expect(done.text).toBe('');
    const request = await db('approval_requests').where({ id: requestId }).first<{ state: string }>('state');
    expect(request.state).toBe('rejected');
    const traces = await db('traces').where({ portal_id: portal.portalId, request_id: requestId }).select<{ input: string }[]>('input');
    expect(traces.some((t) => t.input.includes('"channel":"slack"') && t.input.includes('Margin too thin'))).toBe(true);
    await drain();
    const update = fake.of('chat.update').find((u) => u.args.channel === dmOf(BEN))!;
    expect(blockText(update.args.blocks)).toContain('You rejected');
    expect(blockText(update.args.blocks)).toContain('Margin too thin');
  });

  it('counts a click Slack delivers twice once, and a click after a decision made elsewhere decides nothing', async () => {
    const { db, open, drain, interact, fake, call } = await setup();
    const first = await open();
    await drain();
    const click = buttonClick(fake.teamId, BEN, 'approve', first.requestId, 0, 'trigger-twice');
    await interact(click).expect(200);
    await interact(click).expect(200);
    expect(await db('decisions').where({ request_id: first.requestId }).select('id')).toHaveLength(1);

    // Decided on the card: the Slack message shows it, and its button then only tells the approver.
    const second = await open();
    await drain();
    await call('ben', 'POST', `/api/v1/requests/${second.requestId}/decisions`, { verdict: 'approve', comment: 'from the card', idempotencyKey: idempotencyKey() }).expect(200);
    await drain();
    const posted = fake.of('chat.postMessage').filter((p) => p.args.channel === dmOf(BEN)).at(-1)!;
    const updated = fake.of('chat.update').filter((u) => u.args.channel === dmOf(BEN)).at(-1)!;
    expect(blockText(posted.args.blocks)).toContain(second.requestId);
    expect(blockText(updated.args.blocks)).toContain(second.requestId.slice(0, 8));
    expect(blockText(updated.args.blocks)).toContain('You approved');
    expect(blockText(updated.args.blocks)).toContain('from the card');
    await interact(buttonClick(fake.teamId, BEN, 'approve', second.requestId, 0)).expect(200);
    expect(await db('decisions').where({ request_id: second.requestId }).select('id')).toHaveLength(1);
    expect(fake.of('chat.postEphemeral').at(-1)!.args).toMatchObject({ channel: dmOf(BEN), user: slackUserOf(BEN) });
  });

  it('asks the delegate while a delegation lasts, and the decision from Slack records for whom', async () => {
    const { db, open, drain, interact, fake, call } = await setup();
    const CRO = 'cro@acme.example';
    const version = (await call('dealdesk', 'GET', '/api/v1/admin/delegations').expect(200)).body.version as number;
    await call('dealdesk', 'POST', '/api/v1/admin/delegations', {
      from: BEN, to: CRO, startsAt: '2026-11-27T08:00:00Z', endsAt: '2026-11-28T12:00:00Z', idempotencyKey: idempotencyKey(), expectedVersion: version,
    }).expect(201);
    const { requestId } = await open();
    await drain();
    const sentTo = fake.of('chat.postMessage').map((p) => p.args.channel);
    expect(sentTo).toContain(dmOf(CRO));
    expect(sentTo).not.toContain(dmOf(BEN));
    await interact(buttonClick(fake.teamId, CRO, 'approve', requestId, 0)).expect(200);
    expect(await db('decisions').where({ request_id: requestId }).select('approver_email', 'on_behalf_of')).toEqual([{ approver_email: CRO, on_behalf_of: BEN }]);
    const trace = await db('traces').where({ request_id: requestId, kind: 'decision' }).first<{ input: string }>('input');
    expect(JSON.parse(trace.input)).toMatchObject({ approver: CRO, onBehalfOf: BEN, channel: 'slack' });
  });

  it('tells a Slack user it never messaged that it does not know them, and decides nothing', async () => {
    const { db, open, drain, interact, fake } = await setup();
    const { requestId } = await open();
    await drain();
    await interact(buttonClick(fake.teamId, 'someone.else@acme.example', 'approve', requestId, 0)).expect(200);
    expect(await db('decisions').where({ request_id: requestId }).select('id')).toEqual([]);
    expect(String(fake.of('chat.postEphemeral').at(-1)!.args.text)).toContain('does not know you');
  });
});

describe('Slack messages after the fact', () => {
  it('show a withdrawal made on the card, without buttons', async () => {
    const { open, drain, fake, call } = await setup();
    const { requestId } = await open();
    await drain();
    await call('noah', 'POST', `/api/v1/requests/${requestId}/withdraw`, { reason: 'customer paused', idempotencyKey: idempotencyKey() }).expect(200);
    await drain();
    const update = fake.of('chat.update').filter((u) => u.args.channel === dmOf(BEN)).at(-1)!;
    const blocks = blockText(update.args.blocks);
    expect(blocks).toContain('Withdrawn by Noah King');
    expect(blocks).toContain('customer paused');
    expect(blocks).not.toContain('"action_id":"approve"');
  });

  it('show an escalation past the SLA and keep the buttons, run by the real job worker', async () => {
    const { db, deps, clock, open, fake } = await setup();
    const worker = new JobWorker(deps, { handlers: jobHandlers, random: () => 0.5 });
    const fire = async () => { while ((await worker.runOnce()) > 0) { /* drain */ } };
    const { requestId } = await open();
    await fire();
    expect(fake.of('chat.postMessage').map((p) => p.args.channel)).toContain(dmOf(BEN));
    clock.advanceHours(25);
    await fire();
    expect(await db('traces').where({ request_id: requestId, kind: 'escalation' }).select('id')).toHaveLength(1);
    const update = fake.of('chat.update').filter((u) => u.args.channel === dmOf(BEN)).at(-1)!;
    const blocks = blockText(update.args.blocks);
    expect(blocks).toContain('Past due: escalated');
    expect(blocks).toContain('"action_id":"approve"');
  });

  it('answer Slack at once when deciding takes longer than Slack waits, and the decision still lands', async () => {
    const { db, open, drain, interact, fake } = await setup({ answerWithinMs: 0 });
    const { requestId } = await open();
    await drain();
    const answer = await interact(buttonClick(fake.teamId, BEN, 'approve', requestId, 0)).expect(200);
    expect(answer.text).toBe('');
    await expect.poll(async () => (await db('decisions').where({ request_id: requestId }).select('id')).length, { timeout: 5_000 }).toBe(1);
  });
});

describe('Slack limits', () => {
  it('reschedules a rate-limited job by Slack\'s Retry-After, then posts each message once', async () => {
    const { db, portal, deps, clock, open, drain, fake } = await setup();
    const { requestId } = await open();
    fake.answerNext('chat.postMessage', [429, { ok: false, error: 'ratelimited' }, { 'Retry-After': '7' }]);
    const failure = await drain().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RetryLaterError);
    expect(failure).toMatchObject({ retryAfterSeconds: 7, countsAsAttempt: false });
    expect(fake.of('chat.postMessage')).toHaveLength(1);
    // The worker runs the job again after the wait: the message Slack refused is posted, once.
    const job = await db('jobs').where({ portal_id: portal.portalId, kind: 'notify_slack' }).first<{ key: string; payload: unknown }>();
    const rerun = () => jobHandlers.notify_slack!(deps, { id: '0', portalId: portal.portalId, kind: 'notify_slack', key: job.key, payload: job.payload, attempts: 2, runAt: clock.now().toISOString() });
    await rerun();
    await rerun();
    const posted = await db('slack_messages').where({ request_id: requestId }).select<{ state: string }[]>('state');
    expect(posted.length).toBeGreaterThan(0);
    expect(posted.map((m) => m.state)).toEqual(posted.map(() => 'posted'));
    expect(fake.of('chat.postMessage')).toHaveLength(1 + posted.length);
  });
});

describe('Slack failures', () => {
  it('retries a lookup Slack failed with a 5xx, and never repeats a post Slack may have made', async () => {
    const { db, portal, deps, clock, open, drain, fake } = await setup();
    const { requestId } = await open();
    fake.answerNext('users.lookupByEmail', [503, 'upstream unavailable']);
    fake.answerNext('chat.postMessage', [500, 'internal error']);
    await drain();
    // The lookup is safe to repeat: the client tried it again at once.
    const lookups = fake.of('users.lookupByEmail');
    expect(lookups.length).toBeGreaterThanOrEqual(2);
    expect(lookups[1]!.args.email).toBe(lookups[0]!.args.email);
    // The first post got no answer: its claim stays, and a second run of the job does not post it again.
    const posts = fake.of('chat.postMessage');
    const job = await db('jobs').where({ portal_id: portal.portalId, kind: 'notify_slack' }).first<{ key: string; payload: unknown }>();
    await jobHandlers.notify_slack!(deps, { id: '0', portalId: portal.portalId, kind: 'notify_slack', key: job.key, payload: job.payload, attempts: 2, runAt: clock.now().toISOString() });
    expect(fake.of('chat.postMessage')).toHaveLength(posts.length);
    const states = await db('slack_messages').where({ request_id: requestId }).orderBy('approver_email').select<{ state: string }[]>('state');
    expect(states).toHaveLength(posts.length);
    expect(states.filter((m) => m.state === 'posting')).toHaveLength(1);
  });

  it('keeps the bot token and the signing secret out of every log line', async () => {
    const { open, drain, interact, fake, logs } = await setup();
    const { requestId } = await open();
    await drain();
    await interact(buttonClick(fake.teamId, BEN, 'approve', requestId, 0)).expect(200);
    await interact(buttonClick(fake.teamId, BEN, 'approve', requestId, 0), { secret: 'wrong-secret-0123456789' }).expect(401);
    await drain();
    const text = logs.map((line) => JSON.stringify(line)).join('\n');
    expect(text.length).toBeGreaterThan(0);
    expect(text).not.toContain(BOT_TOKEN);
    expect(text).not.toContain(SIGNING_SECRET);
  });
});

describe('approval-router slack', () => {
  it('connects from secrets on standard input, shows the connection, and disconnects', async () => {
    const { portal, call, fake } = await setup({ connect: false });
    vi.stubEnv('DATABASE_URL', database().url);
    vi.stubEnv('TOKEN_ENCRYPTION_KEYS', KEYS.current);
    vi.stubEnv('NODE_ENV', 'test');
    const out: string[] = [];
    const err: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((...line: unknown[]) => { out.push(line.join(' ')); });
    vi.spyOn(console, 'error').mockImplementation((...line: unknown[]) => { err.push(line.join(' ')); });

    expect(await runSlackCommand(['connect', '--portal', portal.portalId], Readable.from([`${BOT_TOKEN}\nnot-a-secret\n`]))).toBe(2);
    expect(err.join('\n')).toContain('signing secret');
    expect(fake.of('auth.test')).toEqual([]);

    expect(await runSlackCommand(['connect', '--portal', portal.portalId, '--by', 'ops@acme.example'], Readable.from([`${BOT_TOKEN}\n${SIGNING_SECRET}\n`]))).toBe(0);
    expect(out.at(-1)).toContain(`connected: workspace Acme (${fake.teamId})`);
    expect(out.join('\n')).not.toContain(BOT_TOKEN);
    expect((await call('dealdesk', 'GET', '/api/v1/admin/slack').expect(200)).body).toMatchObject({ connected: true, channelOn: true, version: 1, connectedBy: 'ops@acme.example' });

    expect(await runSlackCommand(['status', '--portal', portal.portalId, '--json'])).toBe(0);
    expect(JSON.parse(out.at(-1)!)).toMatchObject({ connected: true, teamId: fake.teamId });
    expect(await runSlackCommand(['disconnect', '--portal', portal.portalId])).toBe(0);
    expect((await call('dealdesk', 'GET', '/api/v1/admin/slack').expect(200)).body).toMatchObject({ connected: false, version: 2 });
  });
});
