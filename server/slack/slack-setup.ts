// What the Slack channel needs from the process: the Web API client and the cipher that seals each portal's bot
// token and signing secret (TOKEN_ENCRYPTION_KEYS, the keys that seal HubSpot's tokens). Without keys no portal can
// connect Slack, and the admin endpoint and the command say so.
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { TokenCipher } from '../hubspot/token-crypto.js';
import { SlackApi, type SlackApiOptions } from './slack-api.js';

export interface SlackSetup {
  api: SlackApi;
  cipher: TokenCipher | null;
  /** How long an interactivity request may act before Slack is answered and the rest runs after (Slack waits 3 s). */
  answerWithinMs: number;
}

export function setUpSlack(config: Pick<Config, 'TOKEN_ENCRYPTION_KEYS'>, options: { logger?: Logger; api?: SlackApiOptions; answerWithinMs?: number } = {}): SlackSetup {
  return {
    api: new SlackApi({ ...options.api, ...(options.logger ? { logger: options.logger } : {}) }),
    cipher: config.TOKEN_ENCRYPTION_KEYS ? TokenCipher.fromSpec(config.TOKEN_ENCRYPTION_KEYS) : null,
    answerWithinMs: options.answerWithinMs ?? 2_500,
  };
}

/** Authenticated with each ciphertext: a secret copied to another portal's row or column does not open. */
export function slackSecretContext(portalId: string, which: 'bot_token' | 'signing_secret'): string {
  return `slack_connections:${portalId}:${which}`;
}
