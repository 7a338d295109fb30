// `approval-router slack`: connect a portal to its Slack workspace, show the connection, or disconnect it, from
// the command line. The bot token and the signing secret are read from standard input, never from arguments,
// so they stay out of the process list and the shell's history.
import { userInfo } from 'node:os';
import { SlackBotToken, SlackSigningSecret, type SlackConnectionView } from '../../src/contract/slack.js';
import { loadConfig, signedBaseUrl } from '../config.js';
import { AppError } from '../errors.js';
import { createLogger } from '../logger.js';
import { connectCrms } from '../main.js';
import { setUpSlack } from '../slack/slack-setup.js';
import { findPortal } from '../store/portals.js';
import type { ServiceDeps } from '../use-cases/deps.js';
import { connectSlack, describeSlackConnection, disconnectSlack } from '../use-cases/slack/slack-connection.js';
import { openForCommand } from './open-for-command.js';
import { isPortalId, parseCommandArgs, usageError } from './parse-command-args.js';

const USAGE = `usage:
  approval-router slack connect --portal ID [--by NAME]     reads the bot token, then the signing secret, one a line, from stdin
  approval-router slack status --portal ID [--json]
  approval-router slack disconnect --portal ID [--by NAME]

The bot token (xoxb-…) is on the Slack app's OAuth & Permissions page (scopes: chat:write, im:write,
users:read, users:read.email); the signing secret under Basic Information. Point the app's Interactivity
Request URL at the URL \`status\` prints. Needs TOKEN_ENCRYPTION_KEYS: both are stored sealed with it.
  printf '%s\\n%s\\n' "$SLACK_BOT_TOKEN" "$SLACK_SIGNING_SECRET" | approval-router slack connect --portal 123`;

const ACTIONS = ['connect', 'status', 'disconnect'] as const;

/** `input`: where the secrets are read from (standard input unless a test gives another). */
export async function run(args: string[], input: AsyncIterable<string | Buffer> = process.stdin): Promise<number> {
  const [action, ...rest] = args;
  if (action === '--help' || action === '-h') {
    console.log(USAGE);
    return 0;
  }
  if (!ACTIONS.includes(action as typeof ACTIONS[number])) return usageError(`choose one of: ${ACTIONS.join(', ')}`, USAGE);
  const values = parseCommandArgs(rest, {
    portal: { type: 'string' }, by: { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false },
  }, USAGE);
  if (typeof values === 'number') return values;
  if (!isPortalId(values.portal)) return usageError('--portal takes a portal id (digits)', USAGE);

  let secrets: { botToken: string; signingSecret: string } | undefined;
  if (action === 'connect') {
    const read = await readSecrets(input);
    if (typeof read === 'string') {
      console.error(read);
      return 2;
    }
    secrets = read;
  }

  const database = await openForCommand();
  try {
    const portal = await findPortal(database.db, values.portal);
    if (!portal) {
      console.error(`portal ${values.portal} is not in this database`);
      return 1;
    }
    const { deps, baseUrl } = commandDeps(database.db);
    const actor = values.by ?? `cli:${userInfo().username}`;
    if (action === 'status') {
      const view = await describeSlackConnection(deps, portal, baseUrl);
      console.log(values.json ? JSON.stringify(view, null, 2) : describe(view));
      return 0;
    }
    if (action === 'disconnect') {
      const view = await disconnectSlack(deps, portal, actor, baseUrl);
      console.log(`disconnected: portal ${portal.id} (connection version ${view.version})`);
      return 0;
    }
    const view = await connectSlack(deps, portal, actor, secrets!, baseUrl);
    console.log(`connected: ${describe(view)}`);
    return 0;
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    console.error(error.message);
    return 1;
  } finally {
    await database.close();
  }
}

/** Two lines: the bot token, then the signing secret; anything else is a message for the operator. */
async function readSecrets(input: AsyncIterable<string | Buffer>): Promise<{ botToken: string; signingSecret: string } | string> {
  let text = '';
  for await (const chunk of input) {
    text += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    if (text.length > 4_096) return 'standard input is too long: give the bot token and the signing secret, one a line';
  }
  const [botToken = '', signingSecret = ''] = text.split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== '');
  const token = SlackBotToken.safeParse(botToken);
  if (!token.success) return `the first line of standard input must be ${token.error.issues[0]?.message ?? 'a Slack bot token'}`;
  const secret = SlackSigningSecret.safeParse(signingSecret);
  if (!secret.success) return `the second line of standard input must be ${secret.error.issues[0]?.message ?? 'the signing secret'}`;
  return { botToken: token.data, signingSecret: secret.data };
}

function describe(view: SlackConnectionView): string {
  const channel = view.channelOn ? 'Slack is on in the portal\'s channel settings' : 'Slack is off in the portal\'s channel settings (channels.slack): no message is sent';
  if (!view.connected) return `not connected (version ${view.version}); ${channel}; interactivity URL: ${view.interactivityUrl}`;
  return `workspace ${view.teamName ?? '?'} (${view.teamId}), bot ${view.botUserId ?? '?'}, by ${view.connectedBy ?? '?'} at ${view.connectedAt ?? '?'}`
    + ` (version ${view.version}); ${channel}; interactivity URL: ${view.interactivityUrl}`;
}

function commandDeps(db: ServiceDeps['db']): { deps: ServiceDeps; baseUrl: string } {
  const config = loadConfig();
  const logger = createLogger({ level: config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL });
  const now = () => new Date();
  const { crmFor } = connectCrms({ db, config, logger, now });
  return { deps: { db, logger, now, crmFor: crmFor('interactive'), slack: setUpSlack(config, { logger }) }, baseUrl: signedBaseUrl(config) };
}
