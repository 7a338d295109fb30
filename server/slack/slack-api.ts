// The Slack Web API behind the calls approval-router makes, through @slack/web-api. Calls that are safe to repeat
// (lookups, opening a conversation, updating a message) use the library's retries for network errors and 5xx;
// posting a message is made once, so the client never posts it twice, and its failure says whether it may have acted. A 429 is never slept on here: it comes back
// as a SlackCallError with Slack's Retry-After, and the job that made the call is rescheduled by it.
import {
  LogLevel, WebAPIHTTPError, WebAPIPlatformError, WebAPIRateLimitedError, WebAPIRequestError, WebClient,
  type BlocksValidateArguments, type Logger as SlackLogger, type RetryOptions, type ViewsOpenArguments,
} from '@slack/web-api';
import type { Logger } from 'pino';

export type SlackBlocks = NonNullable<NonNullable<BlocksValidateArguments>['blocks']>;
export type SlackView = ViewsOpenArguments['view'];

export interface SlackApiOptions {
  /** Slack's Web API (tests point nothing else here: nock answers slack.com). */
  apiUrl?: string;
  /** Retries of calls that are safe to repeat (network errors, 5xx); Slack's 429s are not retried by the client. */
  retries?: RetryOptions;
  /** How long one HTTP call may take. */
  timeoutMs?: number;
  logger?: Logger;
}

/**
 * Why a call failed: Slack refused it (an `error` code, a 4xx: nothing happened, and the same call would fail again),
 * rate-limited it (with Slack's Retry-After), failed it without acting (never reached Slack, or Slack said it is
 * unavailable: worth trying later), or left it unknown (a 5xx, a timeout, a dropped connection: it may have acted).
 */
export class SlackCallError extends Error {
  override readonly name = 'SlackCallError';
  readonly method: string;
  readonly kind: 'refused' | 'rate_limited' | 'failed' | 'unknown';
  /** Slack's error code (`users_not_found`, `invalid_auth`, …), the HTTP status, or the network error's code. */
  readonly code: string;
  readonly retryAfterSeconds: number | null;

  constructor(method: string, kind: SlackCallError['kind'], code: string, options: { retryAfterSeconds?: number; cause?: unknown } = {}) {
    super(`Slack ${method}: ${kind === 'rate_limited' ? `rate-limited, retry after ${options.retryAfterSeconds ?? '?'} s` : `${kind} (${code})`}`, { cause: options.cause });
    this.method = method;
    this.kind = kind;
    this.code = code;
    this.retryAfterSeconds = options.retryAfterSeconds ?? null;
  }
}

/** Slack's errors that mean the bot token no longer works in that workspace. */
export const DEAD_TOKEN_CODES = new Set(['invalid_auth', 'not_authed', 'account_inactive', 'token_revoked', 'token_expired', 'team_access_not_granted']);

const DEFAULT_RETRIES: RetryOptions = { retries: 2, factor: 2, minTimeout: 500, maxTimeout: 4_000, randomize: true };

export class SlackApi {
  readonly #options: Required<Omit<SlackApiOptions, 'logger'>>;
  readonly #logger: SlackLogger;

  constructor(options: SlackApiOptions = {}) {
    this.#options = { apiUrl: options.apiUrl ?? 'https://slack.com/api/', retries: options.retries ?? DEFAULT_RETRIES, timeoutMs: options.timeoutMs ?? 10_000 };
    this.#logger = slackLogger(options.logger);
  }

  /** The calls a workspace's bot token can make. */
  forToken(token: string, options: { interactive?: boolean } = {}): SlackWorkspace {
    // Inside an interactivity request Slack waits 3 s at most: one quick attempt, no retries.
    const timeoutMs = options.interactive ? Math.min(this.#options.timeoutMs, 2_000) : this.#options.timeoutMs;
    const client = (retries: RetryOptions) => new WebClient(token, {
      slackApiUrl: this.#options.apiUrl, retryConfig: retries, timeout: timeoutMs, rejectRateLimitedCalls: true, logger: this.#logger, allowAbsoluteUrls: false,
    });
    return new SlackWorkspace(client(options.interactive ? { retries: 0 } : this.#options.retries), client({ retries: 0 }));
  }
}

export class SlackWorkspace {
  readonly #repeatable: WebClient;
  readonly #once: WebClient;

  constructor(repeatable: WebClient, once: WebClient) {
    this.#repeatable = repeatable;
    this.#once = once;
  }

  /** Whose token this is: the workspace and the bot user. */
  async authTest(): Promise<{ teamId: string; teamName: string | null; botUserId: string | null }> {
    const answer = await call('auth.test', () => this.#repeatable.auth.test());
    if (!answer.team_id) throw new SlackCallError('auth.test', 'refused', 'no_team_id');
    return { teamId: answer.team_id, teamName: answer.team ?? null, botUserId: answer.user_id ?? null };
  }

  /** The Slack user with this email, or null when the workspace has none (`users_not_found`). */
  async lookupUserByEmail(email: string): Promise<string | null> {
    try {
      const answer = await call('users.lookupByEmail', () => this.#repeatable.users.lookupByEmail({ email }));
      return answer.user?.id ?? null;
    } catch (error) {
      if (error instanceof SlackCallError && error.code === 'users_not_found') return null;
      throw error;
    }
  }

  /** The direct-message conversation with a user, opened (or found) with `conversations.open`. */
  async openDirectMessage(userId: string): Promise<string> {
    const answer = await call('conversations.open', () => this.#repeatable.conversations.open({ users: userId }));
    const id = answer.channel?.id;
    if (!id) throw new SlackCallError('conversations.open', 'refused', 'no_channel');
    return id;
  }

  /** Posts once: a failure Slack did not answer is not retried here, since the message may have been posted. */
  async postMessage(message: { channel: string; text: string; blocks: SlackBlocks }): Promise<{ channel: string; ts: string }> {
    const answer = await call('chat.postMessage', () => this.#once.chat.postMessage({ ...message, unfurl_links: false, unfurl_media: false }));
    if (!answer.ts) throw new SlackCallError('chat.postMessage', 'refused', 'no_ts');
    return { channel: answer.channel ?? message.channel, ts: answer.ts };
  }

  async updateMessage(message: { channel: string; ts: string; text: string; blocks: SlackBlocks }): Promise<void> {
    await call('chat.update', () => this.#repeatable.chat.update(message));
  }

  /** A message only `user` sees, in a conversation they are in. */
  async postEphemeral(message: { channel: string; user: string; text: string }): Promise<void> {
    await call('chat.postEphemeral', () => this.#once.chat.postEphemeral(message));
  }

  /** Opens a modal for the interaction that carried `triggerId` (valid for 3 s). */
  async openView(triggerId: string, view: SlackView): Promise<void> {
    await call('views.open', () => this.#once.views.open({ trigger_id: triggerId, view }));
  }
}

async function call<T>(method: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw classify(method, error);
  }
}

/** Platform errors after which Slack may have done part of the work. */
const MAYBE_ACTED_CODES = new Set(['internal_error', 'fatal_error']);
/** Platform errors that say Slack did nothing this time. */
const TRY_LATER_CODES = new Set(['service_unavailable', 'ratelimited', 'request_timeout']);
/** Network errors raised before a request reaches Slack. */
const UNSENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

function classify(method: string, error: unknown): SlackCallError {
  if (error instanceof WebAPIRateLimitedError) return new SlackCallError(method, 'rate_limited', '429', { retryAfterSeconds: error.retryAfter, cause: error });
  if (error instanceof WebAPIPlatformError) {
    const code = error.data.error;
    const kind = MAYBE_ACTED_CODES.has(code) ? 'unknown' : TRY_LATER_CODES.has(code) ? 'failed' : 'refused';
    return new SlackCallError(method, kind, code, { cause: error });
  }
  if (error instanceof WebAPIHTTPError) return new SlackCallError(method, error.statusCode < 500 ? 'refused' : 'unknown', String(error.statusCode), { cause: error });
  const code = networkCode(error instanceof WebAPIRequestError ? error.original : error);
  return new SlackCallError(method, code !== null && UNSENT_CODES.has(code) ? 'failed' : 'unknown', code ?? 'no answer', { cause: error });
}

/** The system error code under a failed fetch (`fetch failed` wraps it as its cause). */
function networkCode(error: unknown): string | null {
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 4; current = current.cause, depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^[A-Z_]+$/.test(code)) return code;
  }
  return null;
}

/** The library's log lines go to pino: its warnings and errors as such, its chatter (request bodies included) nowhere. */
function slackLogger(logger: Logger | undefined): SlackLogger {
  const child = logger?.child({ component: 'slack-web-api' });
  const text = (parts: unknown[]) => parts.map((part) => (typeof part === 'string' ? part : JSON.stringify(part))).join(' ');
  return {
    debug: () => undefined,
    info: (...parts: unknown[]) => child?.debug(text(parts)),
    warn: (...parts: unknown[]) => child?.warn(text(parts)),
    error: (...parts: unknown[]) => child?.error(text(parts)),
    setLevel: () => undefined,
    getLevel: () => LogLevel.WARN,
    setName: () => undefined,
  };
}
