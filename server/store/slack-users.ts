// Approvers as Slack knows them, per portal and workspace: the email an approver has in the directory, the Slack
// user Slack found for it (or that it found none) and when, and the direct-message channel opened with them.
import type { Knex } from 'knex';

export interface SlackUser {
  email: string;
  /** Null when Slack found no user with that email. */
  slackUserId: string | null;
  dmChannelId: string | null;
  lookedUpAt: string;
}

interface SlackUserRow { email: string; slack_user_id: string | null; dm_channel_id: string | null; looked_up_at: Date }

const toUser = (row: SlackUserRow): SlackUser => ({
  email: row.email, slackUserId: row.slack_user_id, dmChannelId: row.dm_channel_id, lookedUpAt: row.looked_up_at.toISOString(),
});

export async function findSlackUser(db: Knex, portalId: string, teamId: string, email: string): Promise<SlackUser | null> {
  const row = await db('slack_users').where({ portal_id: portalId, team_id: teamId, email }).first<SlackUserRow | undefined>();
  return row ? toUser(row) : null;
}

/** The approver a Slack user is, as found by their email; null when they were never looked up here. */
export async function findSlackUserById(db: Knex, portalId: string, teamId: string, slackUserId: string): Promise<SlackUser | null> {
  const row = await db('slack_users').where({ portal_id: portalId, team_id: teamId, slack_user_id: slackUserId })
    .orderBy('looked_up_at', 'desc').first<SlackUserRow | undefined>();
  return row ? toUser(row) : null;
}

/** Records a lookup (found or not), at the service's time; a direct-message channel already opened is kept when the user is the same. */
export async function saveSlackUser(db: Knex, portalId: string, teamId: string, user: Omit<SlackUser, 'dmChannelId'>): Promise<void> {
  await db('slack_users').insert({
    portal_id: portalId, team_id: teamId, email: user.email, slack_user_id: user.slackUserId, dm_channel_id: null, looked_up_at: user.lookedUpAt,
  }).onConflict(['portal_id', 'team_id', 'email']).merge({
    slack_user_id: user.slackUserId,
    looked_up_at: user.lookedUpAt,
    dm_channel_id: db.raw('CASE WHEN slack_users.slack_user_id IS NOT DISTINCT FROM EXCLUDED.slack_user_id THEN slack_users.dm_channel_id END'),
  });
}

export async function saveDmChannel(db: Knex, portalId: string, teamId: string, email: string, channelId: string): Promise<void> {
  await db('slack_users').where({ portal_id: portalId, team_id: teamId, email }).update({ dm_channel_id: channelId });
}
