// Every Slack message posted for a request, one per step and approver: claimed before it is posted (so a retry, or
// a second worker, never posts it again), then its channel and timestamp, and a hash of what it shows.
import type { Knex } from 'knex';
import { waitingForDisk } from '../db/database.js';

export interface SlackMessageKey {
  portalId: string;
  requestId: string;
  stepIndex: number;
  approverEmail: string;
}

export interface SlackMessage extends SlackMessageKey {
  teamId: string;
  state: 'posting' | 'posted' | 'gone';
  channelId: string | null;
  messageTs: string | null;
  renderedHash: string | null;
  claimedAt: string;
}

interface MessageRow {
  portal_id: string; request_id: string; step_index: number; approver_email: string; team_id: string;
  state: SlackMessage['state']; channel_id: string | null; message_ts: string | null; rendered_hash: string | null; claimed_at: Date;
}

const toMessage = (row: MessageRow): SlackMessage => ({
  portalId: String(row.portal_id), requestId: row.request_id, stepIndex: row.step_index, approverEmail: row.approver_email, teamId: row.team_id,
  state: row.state, channelId: row.channel_id, messageTs: row.message_ts, renderedHash: row.rendered_hash, claimedAt: row.claimed_at.toISOString(),
});

const where = (key: SlackMessageKey) => ({ portal_id: key.portalId, request_id: key.requestId, step_index: key.stepIndex, approver_email: key.approverEmail });

/** Claims the message for posting; when it was claimed before (posted or not), returns that one instead. */
export async function claimSlackMessage(db: Knex, key: SlackMessageKey, teamId: string, at: string): Promise<{ claimed: true } | { claimed: false; existing: SlackMessage }> {
  // The claim is on the disk before the post: a Postgres crash cannot forget a message that went out.
  const inserted = await waitingForDisk(db, (trx) => trx('slack_messages').insert({ ...where(key), team_id: teamId, state: 'posting', claimed_at: at })
    .onConflict(['portal_id', 'request_id', 'step_index', 'approver_email']).ignore().returning('request_id'));
  if (inserted.length > 0) return { claimed: true };
  const row = await db('slack_messages').where(where(key)).first<MessageRow | undefined>();
  if (!row) throw new Error('a Slack message claim vanished');
  return { claimed: false, existing: toMessage(row) };
}

/** Slack refused the post outright: the claim goes, so a later attempt may post. */
export async function releaseSlackMessage(db: Knex, key: SlackMessageKey): Promise<void> {
  await db('slack_messages').where({ ...where(key), state: 'posting' }).delete();
}

export async function recordSlackMessagePosted(db: Knex, key: SlackMessageKey, posted: { channelId: string; messageTs: string; renderedHash: string }, at: string): Promise<void> {
  await db('slack_messages').where(where(key)).update({
    state: 'posted', channel_id: posted.channelId, message_ts: posted.messageTs, rendered_hash: posted.renderedHash, posted_at: at, updated_at: at,
  });
}

/** The request's posted messages in one workspace, in key order (the order they are locked in). */
export async function postedSlackMessages(db: Knex, portalId: string, requestId: string, teamId: string): Promise<SlackMessage[]> {
  const rows = await db('slack_messages').where({ portal_id: portalId, request_id: requestId, team_id: teamId, state: 'posted' })
    .orderBy(['step_index', 'approver_email']).select<MessageRow[]>('*');
  return rows.map(toMessage);
}

/** Locks one message until the transaction ends: its updates go to Slack one at a time, each from the state read under the lock. */
export async function lockSlackMessage(trx: Knex.Transaction, key: SlackMessageKey): Promise<SlackMessage | null> {
  const row = await trx('slack_messages').where(where(key)).forUpdate().first<MessageRow | undefined>();
  return row ? toMessage(row) : null;
}

export async function recordSlackMessageRendered(db: Knex, key: SlackMessageKey, renderedHash: string, at: string): Promise<void> {
  await db('slack_messages').where(where(key)).update({ rendered_hash: renderedHash, updated_at: at });
}

/** Slack no longer has the message (deleted, or the conversation is gone): it is not updated again. */
export async function markSlackMessageGone(db: Knex, key: SlackMessageKey, at: string): Promise<void> {
  await db('slack_messages').where(where(key)).update({ state: 'gone', updated_at: at });
}
