// A portal's Slack connection: an admin (through the admin API, an idempotent write against the version they saw)
// or an operator (`approval-router slack connect`) gives the bot token and the signing secret; Slack's auth.test
// says which workspace the token belongs to; both are sealed with TOKEN_ENCRYPTION_KEYS and never shown again.
import { hashJson, ENGINE_VERSION } from '../../../src/hash.js';
import type { SlackConnectionView } from '../../../src/contract/slack.js';
import type { DbTransaction } from '../../db/database.js';
import { AppError } from '../../errors.js';
import type { TokenCipher } from '../../hubspot/token-crypto.js';
import { SlackCallError } from '../../slack/slack-api.js';
import { slackSecretContext, type SlackSetup } from '../../slack/slack-setup.js';
import { lockAdminVersions, type Portal } from '../../store/portals.js';
import {
  clearSlackConnection, findSlackConnection, findSlackConnectionByTeam, saveSlackConnection, slackConnectionVersion, type SealedSlackConnection,
} from '../../store/slack-connections.js';
import { appendTrace } from '../../store/traces.js';
import { loadAdminPortal } from '../admin/admin-portal.js';
import { runAdminWrite, staleVersion, type AdminWriteGuard } from '../admin/admin-write.js';
import { isoNow, type ServiceDeps } from '../deps.js';
import { channelsOf } from '../notify/channel-settings.js';
import type { Viewer } from '../load-facts.js';

export const INTERACTIVITY_PATH = '/slack/interactivity';

/** A connection with its secrets open, for the calls and checks that need them. */
export interface SlackConnection {
  portalId: string;
  teamId: string;
  botUserId: string | null;
  botToken: string;
  signingSecret: string;
}

export interface SlackSecrets {
  botToken: string;
  signingSecret: string;
}

/** The Slack setup with a cipher: without TOKEN_ENCRYPTION_KEYS nothing can be sealed or opened. */
export function slackWithCipher(deps: Pick<ServiceDeps, 'slack'>): SlackSetup & { cipher: TokenCipher } {
  const slack = deps.slack;
  if (!slack?.cipher) throw new AppError('unavailable', 'Slack cannot be connected on this server: TOKEN_ENCRYPTION_KEYS is not configured');
  return { ...slack, cipher: slack.cipher };
}

/** The portal's connection with its secrets open, or null while it has none. */
export async function openSlackConnection(deps: ServiceDeps, portalId: string): Promise<SlackConnection | null> {
  const sealed = await findSlackConnection(deps.db, portalId);
  return sealed ? open(slackWithCipher(deps).cipher, sealed) : null;
}

/** The connection of the workspace an interactivity request names, or null when no portal connected it. */
export async function openSlackConnectionOfTeam(deps: ServiceDeps, teamId: string): Promise<SlackConnection | null> {
  const sealed = await findSlackConnectionByTeam(deps.db, teamId);
  return sealed ? open(slackWithCipher(deps).cipher, sealed) : null;
}

function open(cipher: TokenCipher, sealed: SealedSlackConnection): SlackConnection {
  return {
    portalId: sealed.portalId, teamId: sealed.teamId, botUserId: sealed.botUserId,
    botToken: cipher.decrypt({ keyId: sealed.keyId, ciphertext: sealed.botToken }, slackSecretContext(sealed.portalId, 'bot_token')),
    signingSecret: cipher.decrypt({ keyId: sealed.keyId, ciphertext: sealed.signingSecret }, slackSecretContext(sealed.portalId, 'signing_secret')),
  };
}

export async function describeSlackConnection(deps: ServiceDeps, portal: Portal, baseUrl: string): Promise<SlackConnectionView> {
  const [sealed, version] = await Promise.all([findSlackConnection(deps.db, portal.id), slackConnectionVersion(deps.db, portal.id)]);
  return present(portal, sealed, version, baseUrl);
}

function present(
  portal: Pick<Portal, 'settings'>, sealed: Omit<SealedSlackConnection, 'keyId' | 'botToken' | 'signingSecret'> | null, version: number, baseUrl: string,
): SlackConnectionView {
  return {
    connected: sealed !== null, channelOn: channelsOf(portal).slack, version, teamId: sealed?.teamId ?? null, teamName: sealed?.teamName ?? null, botUserId: sealed?.botUserId ?? null,
    connectedBy: sealed?.connectedBy ?? null, connectedAt: sealed?.connectedAt ?? null, interactivityUrl: `${baseUrl}${INTERACTIVITY_PATH}`,
  };
}

/** How a connection write runs: in a transaction with the portal's row locked, given the version it is at now. */
type WriteRunner = (write: (trx: DbTransaction, version: number) => Promise<SlackConnectionView>) => Promise<SlackConnectionView>;

/** From the admin API: once per idempotency key, and only while the connection is at the version the admin saw. */
function guarded(deps: ServiceDeps, portal: Portal, viewer: Viewer, guard: AdminWriteGuard<number>, operation: string, request: object): WriteRunner {
  return async (write) => {
    const answer = await runAdminWrite(deps, portal, viewer, { idempotencyKey: guard.idempotencyKey, operation, request: { ...request, expectedVersion: guard.expectedVersion } }, async (trx) => {
      const version = await slackConnectionVersion(trx, portal.id);
      if (version !== guard.expectedVersion) throw staleVersion('the Slack connection', version, guard.expectedVersion);
      return { status: 200, body: await write(trx, version) };
    });
    return answer.body;
  };
}

/** From the command line: an operator at the database, neither replayed nor acting on a page read earlier. */
function unguarded(deps: ServiceDeps, portal: Portal): WriteRunner {
  return (write) => deps.db.transaction(async (trx) => {
    if (!await lockAdminVersions(trx, portal.id)) throw new AppError('not_found', 'approval-router is not installed in this portal');
    return write(trx, await slackConnectionVersion(trx, portal.id));
  });
}

export async function getSlackConnectionFor(deps: ServiceDeps, viewer: Viewer, baseUrl: string): Promise<SlackConnectionView> {
  const portal = await loadAdminPortal(deps, viewer, 'see the Slack connection');
  return describeSlackConnection(deps, portal, baseUrl);
}

export async function connectSlackFor(deps: ServiceDeps, viewer: Viewer, secrets: SlackSecrets, guard: AdminWriteGuard<number>, baseUrl: string) {
  const portal = await loadAdminPortal(deps, viewer, 'connect Slack');
  // The secrets enter the idempotency fingerprint only as a hash of both.
  const run = guarded(deps, portal, viewer, guard, 'admin.slack_connect', { secrets: hashJson(secrets) });
  return connectSlack(deps, portal, viewer.email, secrets, baseUrl, run);
}

export async function disconnectSlackFor(deps: ServiceDeps, viewer: Viewer, guard: AdminWriteGuard<number>, baseUrl: string) {
  const portal = await loadAdminPortal(deps, viewer, 'disconnect Slack');
  return disconnectSlack(deps, portal, viewer.email, baseUrl, guarded(deps, portal, viewer, guard, 'admin.slack_disconnect', {}));
}

/** Connects (or reconnects) the portal to the workspace the token belongs to. */
export async function connectSlack(
  deps: ServiceDeps, portal: Portal, actor: string, secrets: SlackSecrets, baseUrl: string, run: WriteRunner = unguarded(deps, portal),
): Promise<SlackConnectionView> {
  const slack = slackWithCipher(deps);
  const identity = await whoseToken(slack, secrets.botToken);
  return run(async (trx) => {
    const at = isoNow(deps);
    const token = slack.cipher.encrypt(secrets.botToken, slackSecretContext(portal.id, 'bot_token'));
    const secret = slack.cipher.encrypt(secrets.signingSecret, slackSecretContext(portal.id, 'signing_secret'));
    const saved = await saveSlackConnection(trx, {
      portalId: portal.id, teamId: identity.teamId, teamName: identity.teamName, botUserId: identity.botUserId,
      keyId: token.keyId, botToken: token.ciphertext, signingSecret: secret.ciphertext, connectedBy: actor,
    }, at);
    if (!saved.ok) throw new AppError('conflict', `Slack workspace ${identity.teamId} is connected to another portal: disconnect it there first`);
    await appendTrace(trx, {
      portalId: portal.id, kind: 'slack', input: { command: 'connect_slack', by: actor, teamId: identity.teamId },
      output: { version: saved.version, teamId: identity.teamId, botUserId: identity.botUserId }, engineVersion: ENGINE_VERSION, occurredAt: at,
    });
    return present(portal, { portalId: portal.id, ...identity, connectedBy: actor, connectedAt: at, version: saved.version }, saved.version, baseUrl);
  });
}

/** Forgets the token, the secret and the approvers found in the workspace; a portal with no connection is left as it is. */
export async function disconnectSlack(deps: ServiceDeps, portal: Portal, actor: string, baseUrl: string, run: WriteRunner = unguarded(deps, portal)): Promise<SlackConnectionView> {
  return run(async (trx, version) => {
    const at = isoNow(deps);
    const cleared = await clearSlackConnection(trx, portal.id, at);
    if (cleared === null) return present(portal, null, version, baseUrl);
    await appendTrace(trx, {
      portalId: portal.id, kind: 'slack', input: { command: 'disconnect_slack', by: actor }, output: { version: cleared },
      engineVersion: ENGINE_VERSION, occurredAt: at,
    });
    return present(portal, null, cleared, baseUrl);
  });
}

/** Slack's word on a token: a token it refuses is a bad input; no answer is a 503 to try again. */
async function whoseToken(slack: SlackSetup, botToken: string) {
  try {
    return await slack.api.forToken(botToken).authTest();
  } catch (error) {
    if (error instanceof SlackCallError && error.kind === 'refused') {
      const problem = `Slack refused this token (${error.code})`;
      throw new AppError('bad_request', problem, { details: [{ path: 'body.botToken', message: problem }] });
    }
    const wait = error instanceof SlackCallError ? error.retryAfterSeconds ?? 5 : 5;
    throw new AppError('unavailable', 'Slack did not answer the token check; try again shortly', { cause: error, retryAfterSeconds: wait });
  }
}
