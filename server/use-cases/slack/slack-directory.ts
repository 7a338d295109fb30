// Approvers in Slack: found by the email the directory has for them (users.lookupByEmail), the answer kept in the
// database at the service's time so each approver is looked up about once a week (a miss, once a day), and their
// direct-message conversation opened once. The same table answers which approver a Slack user acting on a message is.
import { normaliseEmail } from '../../../src/directory/email.js';
import type { SlackWorkspace } from '../../slack/slack-api.js';
import { findSlackUser, findSlackUserById, saveDmChannel, saveSlackUser } from '../../store/slack-users.js';
import type { ServiceDeps } from '../deps.js';
import type { SlackConnection } from './slack-connection.js';

const FOUND_KEPT_HOURS = 7 * 24;
const MISSING_KEPT_HOURS = 24;

export interface SlackRecipient {
  slackUserId: string;
  channelId: string;
}

/** Where to send an approver a direct message, or null when the workspace has no user with their email. */
export async function slackRecipientOf(deps: ServiceDeps, connection: SlackConnection, workspace: SlackWorkspace, email: string): Promise<SlackRecipient | null> {
  const address = normaliseEmail(email);
  const now = deps.now();
  let known = await findSlackUser(deps.db, connection.portalId, connection.teamId, address);
  const keptHours = known?.slackUserId ? FOUND_KEPT_HOURS : MISSING_KEPT_HOURS;
  if (!known || now.getTime() - new Date(known.lookedUpAt).getTime() >= keptHours * 3_600_000) {
    const slackUserId = await workspace.lookupUserByEmail(address);
    const lookedUpAt = now.toISOString();
    await saveSlackUser(deps.db, connection.portalId, connection.teamId, { email: address, slackUserId, lookedUpAt });
    known = { email: address, slackUserId, lookedUpAt, dmChannelId: known?.slackUserId === slackUserId ? known.dmChannelId : null };
  }
  if (!known.slackUserId) return null;
  if (known.dmChannelId) return { slackUserId: known.slackUserId, channelId: known.dmChannelId };
  const channelId = await workspace.openDirectMessage(known.slackUserId);
  await saveDmChannel(deps.db, connection.portalId, connection.teamId, address, channelId);
  return { slackUserId: known.slackUserId, channelId };
}

/** The approver (their email) a Slack user of the connected workspace was found as; null for anyone never sent a message. */
export async function approverOfSlackUser(deps: ServiceDeps, connection: SlackConnection, slackUserId: string): Promise<string | null> {
  const user = await findSlackUserById(deps.db, connection.portalId, connection.teamId, slackUserId);
  return user?.email ?? null;
}
