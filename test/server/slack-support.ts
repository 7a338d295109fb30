// Slack for tests: the real @slack/web-api against nock answering slack.com like a small workspace (users found by
// email, direct messages, posted messages kept and updated), signed interactivity deliveries as Slack sends them,
// and a runner that drains the notify jobs through the worker's handlers.
import type { Knex } from 'knex';
import nock from 'nock';
import request from 'supertest';
import { jobHandlers } from '../../server/jobs/handlers.js';
import { setUpSlack, type SlackSetup } from '../../server/slack/slack-setup.js';
import { slackSignature } from '../../server/slack/verify-signature.js';
import type { ClaimedJob, JobKind } from '../../server/store/jobs.js';
import type { ServiceDeps } from '../../server/use-cases/deps.js';
import { KEYS } from '../support/hubspot.js';

let nextTeam = 1;
/** A workspace of its own for each fake: a workspace answers for one portal. */
const newTeamId = () => `T0ACME${String(nextTeam++).padStart(3, '0')}`;
export const BOT_TOKEN = 'xoxb-1111-2222-abcdefghijklmnop';
export const SIGNING_SECRET = '8f742231b10e8888abcd99yyyzzz85a5';

/** The Slack user an email belongs to in the fake workspace (ben.carter@… → UBENCARTER). */
export const slackUserOf = (email: string) => `U${email.split('@')[0]!.replace(/[^a-z0-9]/gi, '').toUpperCase()}`;
export const dmOf = (email: string) => `D${email.split('@')[0]!.replace(/[^a-z0-9]/gi, '').toUpperCase()}`;

export interface SlackCall {
  method: string;
  token: string | null;
  args: Record<string, unknown>;
}

type Answer = [number, unknown, Record<string, string>?];

export interface FakeSlack {
  teamId: string;
  calls: SlackCall[];
  /** The calls of one method, in order. */
  of: (method: string) => SlackCall[];
  /** Answers the next call of `method` with this instead (once per entry). */
  answerNext: (method: string, ...answers: Answer[]) => void;
  /** Emails the workspace has no user for. */
  unknownEmails: Set<string>;
  done: () => void;
}

/** Slack's Web API on nock: every method answered as a workspace would, every call recorded. */
export function fakeSlack(): FakeSlack {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
  const calls: SlackCall[] = [];
  const queued = new Map<string, Answer[]>();
  const unknownEmails = new Set<string>();
  const teamId = newTeamId();
  let ts = 1_780_000_000;
  const scope = nock('https://slack.com').persist().post(/^\/api\/[a-zA-Z.]+$/).reply(async (req: Request) => {
    const method = new URL(req.url).pathname.replace('/api/', '');
    const args = readArgs(await req.text());
    const auth = req.headers.get('authorization');
    calls.push({ method, token: auth === null ? null : auth.replace(/^Bearer /, ''), args });
    const next = queued.get(method)?.shift();
    return next ?? [200, answer(method, args, teamId, () => String(ts++), unknownEmails)];
  });
  return {
    teamId,
    calls,
    of: (method) => calls.filter((call) => call.method === method),
    answerNext: (method, ...answers) => queued.set(method, [...(queued.get(method) ?? []), ...answers]),
    unknownEmails,
    done: () => { scope.persist(false); nock.cleanAll(); nock.enableNetConnect(); },
  };
}

function readArgs(body: unknown): Record<string, unknown> {
  const parsed: Record<string, unknown> = typeof body === 'string' ? Object.fromEntries(new URLSearchParams(body)) : { ...(body as Record<string, unknown>) };
  for (const key of ['blocks', 'view']) {
    if (typeof parsed[key] === 'string') parsed[key] = JSON.parse(parsed[key]) as unknown;
  }
  return parsed;
}

function answer(method: string, args: Record<string, unknown>, teamId: string, nextTs: () => string, unknownEmails: Set<string>): unknown {
  switch (method) {
    case 'auth.test':
      return { ok: true, team_id: teamId, team: 'Acme', user_id: 'UBOT01', bot_id: 'B01' };
    case 'users.lookupByEmail': {
      const email = String(args.email);
      return unknownEmails.has(email) ? { ok: false, error: 'users_not_found' } : { ok: true, user: { id: slackUserOf(email), team_id: teamId } };
    }
    case 'conversations.open':
      return { ok: true, channel: { id: `D${String(args.users).slice(1)}` } };
    case 'chat.postMessage':
      return { ok: true, channel: args.channel, ts: `${nextTs()}.000100`, message: { text: args.text } };
    case 'chat.update':
      return { ok: true, channel: args.channel, ts: args.ts };
    case 'chat.postEphemeral':
      return { ok: true, message_ts: `${nextTs()}.000200` };
    case 'views.open':
      return { ok: true, view: { id: 'V0MODAL1' } };
    default:
      return { ok: false, error: 'unknown_method' };
  }
}

/** The Slack setup a test app and its jobs share: the test keys, quick retries. */
export function testSlackSetup(answerWithinMs = 2_000): SlackSetup {
  return setUpSlack({ TOKEN_ENCRYPTION_KEYS: KEYS.current }, { api: { retries: { retries: 1, minTimeout: 5, maxTimeout: 10 }, timeoutMs: 2_000 }, answerWithinMs });
}

/** An interaction posted as Slack posts it: form-encoded `payload`, signed with the secret at the clock's time. */
export function sendInteraction(app: Parameters<typeof request>[0], nowMs: number, payload: object, options: { secret?: string; timestamp?: number; signature?: string } = {}) {
  const body = `payload=${encodeURIComponent(JSON.stringify(payload))}`;
  const timestamp = String(options.timestamp ?? Math.floor(nowMs / 1000));
  return request(app).post('/slack/interactivity').type('form')
    .set('X-Slack-Request-Timestamp', timestamp)
    .set('X-Slack-Signature', options.signature ?? slackSignature(options.secret ?? SIGNING_SECRET, timestamp, body))
    .send(body);
}

export function buttonClick(teamId: string, email: string, action: 'approve' | 'reject', requestId: string, stepIndex: number, triggerId = `trigger-${Math.random()}`) {
  return {
    type: 'block_actions', team: { id: teamId, domain: 'acme' }, user: { id: slackUserOf(email), team_id: teamId },
    api_app_id: 'A01', trigger_id: triggerId, channel: { id: dmOf(email) },
    container: { type: 'message', channel_id: dmOf(email), message_ts: '1780000000.000100' },
    actions: [{ action_id: action, block_id: 'decision', value: `${requestId}:${stepIndex}`, type: 'button', action_ts: '1780000001.0001' }],
  };
}

export function rejectSubmission(teamId: string, email: string, metadata: string, comment: string, viewId = 'V0MODAL1') {
  return {
    type: 'view_submission', team: { id: teamId, domain: 'acme' }, user: { id: slackUserOf(email), team_id: teamId },
    view: {
      id: viewId, callback_id: 'reject_request', private_metadata: metadata, hash: `h-${viewId}`,
      state: { values: { comment: { comment: { type: 'plain_text_input', value: comment } } } },
    },
  };
}

interface JobRow { id: string; portal_id: string; kind: JobKind; key: string; payload: unknown; attempts: number; run_at: Date }

const handlers = { notify: jobHandlers.notify!, notify_slack: jobHandlers.notify_slack! };

/** Runs the portal's queued notify and notify_slack jobs (and the jobs they queue) through the worker's handlers. */
export async function drainNotifications(deps: ServiceDeps, portalId: string, db: Knex = deps.db): Promise<JobKind[]> {
  const ran: JobKind[] = [];
  for (let round = 0; round < 20; round++) {
    const jobs = await db('jobs').where({ state: 'queued', portal_id: portalId }).whereIn('kind', Object.keys(handlers)).orderBy('id').select<JobRow[]>('*');
    if (jobs.length === 0) return ran;
    for (const row of jobs) {
      await db('jobs').where({ id: row.id }).update({ state: 'running', attempts: row.attempts + 1 });
      const job: ClaimedJob = { id: String(row.id), portalId: String(row.portal_id), kind: row.kind, key: row.key, payload: row.payload, attempts: row.attempts + 1, runAt: row.run_at.toISOString() };
      try {
        await handlers[row.kind as keyof typeof handlers](deps, job);
      } finally {
        await db('jobs').where({ id: row.id }).update({ state: 'done', finished_at: deps.now() });
      }
      ran.push(row.kind);
    }
  }
  throw new Error('jobs kept coming: a loop?');
}
