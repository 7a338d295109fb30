// The Slack channel's contract: the admin endpoint's inputs and answer, and the parts of Slack's interactivity
// payloads the service reads (Slack sends much more; the rest is ignored, never trusted).
import { z } from 'zod';
import { IdempotencyKey } from './card-api.js';

// ---- admin ---------------------------------------------------------------------------------------------

/** A bot token (`xoxb-…`): the messages are posted as the app's bot. */
export const SlackBotToken = z.string().regex(/^xoxb-[A-Za-z0-9-]{10,250}$/, 'a Slack bot token (xoxb-…, from the app\'s OAuth & Permissions page)');
/** The app's signing secret (Basic Information › App Credentials). */
export const SlackSigningSecret = z.string().regex(/^[A-Za-z0-9]{16,128}$/, 'the Slack app\'s signing secret (Basic Information › App Credentials)');

export const SlackConnectBody = z.strictObject({
  botToken: SlackBotToken,
  signingSecret: SlackSigningSecret,
  idempotencyKey: IdempotencyKey,
  /** The connection's version as GET /admin/slack showed it (0 before the first connection); another answers 409. */
  expectedVersion: z.int().min(0),
});

export const SlackDisconnectQuery = z.object({
  idempotencyKey: IdempotencyKey,
  expectedVersion: z.string().regex(/^[1-9]\d{0,8}$/, 'a version number').transform(Number),
});

/** What the admin sees of the connection: never the token or the secret. */
export const SlackConnectionView = z.object({
  connected: z.boolean(),
  /** Whether the portal's channel settings have Slack on (`channels.slack`): connected and on, approvers are messaged. */
  channelOn: z.boolean(),
  version: z.int().min(0),
  teamId: z.string().nullable(),
  teamName: z.string().nullable(),
  botUserId: z.string().nullable(),
  connectedBy: z.string().nullable(),
  connectedAt: z.string().nullable(),
  /** Where the Slack app's Interactivity Request URL must point. */
  interactivityUrl: z.string(),
});
export type SlackConnectionView = z.infer<typeof SlackConnectionView>;

// ---- interactivity ---------------------------------------------------------------------------------------

const SlackId = z.string().regex(/^[A-Z0-9]{2,32}$/);

const SlackUser = z.looseObject({ id: SlackId, team_id: SlackId.optional() });
const SlackTeam = z.looseObject({ id: SlackId }).nullable().optional();

export const SlackBlockActions = z.looseObject({
  type: z.literal('block_actions'),
  team: SlackTeam,
  user: SlackUser,
  trigger_id: z.string().min(1).max(200),
  channel: z.looseObject({ id: SlackId }).optional(),
  container: z.looseObject({ channel_id: SlackId.optional(), message_ts: z.string().optional() }).optional(),
  actions: z.array(z.looseObject({
    action_id: z.string().max(255),
    value: z.string().max(2000).optional(),
    action_ts: z.string().max(64).optional(),
  })).min(1).max(25),
});

export const SlackViewSubmission = z.looseObject({
  type: z.literal('view_submission'),
  team: SlackTeam,
  user: SlackUser,
  trigger_id: z.string().min(1).max(200).optional(),
  view: z.looseObject({
    id: z.string().min(1).max(64),
    callback_id: z.string().max(255).optional(),
    private_metadata: z.string().max(3000).optional(),
    hash: z.string().max(128).optional(),
    state: z.looseObject({
      values: z.record(z.string(), z.record(z.string(), z.looseObject({ value: z.string().nullable().optional() }))),
    }).optional(),
  }),
});

/** Any other interaction (a closed modal, a shortcut): acknowledged and ignored. */
export const SlackOtherInteraction = z.looseObject({ type: z.string(), team: SlackTeam, user: SlackUser.optional() });

export type SlackBlockActions = z.infer<typeof SlackBlockActions>;
export type SlackViewSubmission = z.infer<typeof SlackViewSubmission>;

/** The workspace an interaction comes from: its team, or the acting user's team (in an Enterprise Grid). */
export function interactionTeam(interaction: { team?: { id: string } | null | undefined; user?: { team_id?: string | undefined } | undefined }): string | null {
  return interaction.team?.id ?? interaction.user?.team_id ?? null;
}
