// Approval emails as sent: one row per ballot (an approver on a step of a request), claimed before the SMTP call and
// marked after it, so a job that runs again never sends a ballot twice. Times are the service's clock, passed in.
import type { Knex } from 'knex';
import { waitingForDisk } from '../db/database.js';

export interface EmailBallot {
  portalId: string;
  requestId: string;
  stepIndex: number;
  approverEmail: string;
}

export interface EmailSendClaim extends EmailBallot {
  linkId: string;
  rowVersion: number;
  messageId: string;
  linksExpireAt: string;
}

export type EmailSendState = 'sending' | 'sent' | 'uncertain';

/**
 * Claims the ballot's send. Returns null when this call claimed it (go ahead and send), else the state another
 * attempt left: `sent`, or `sending` when that attempt died between claiming and marking.
 */
export async function claimEmailSend(db: Knex, claim: EmailSendClaim, at: string): Promise<EmailSendState | null> {
  // The claim is on the disk before the SMTP call: a Postgres crash cannot forget a send that went out.
  const inserted = await waitingForDisk(db, (trx) => trx('email_sends').insert({
    portal_id: claim.portalId, request_id: claim.requestId, step_index: claim.stepIndex, approver_email: claim.approverEmail,
    link_id: claim.linkId, row_version: claim.rowVersion, state: 'sending', message_id: claim.messageId,
    claimed_at: at, links_expire_at: claim.linksExpireAt,
  }).onConflict(['portal_id', 'request_id', 'step_index', 'approver_email']).ignore().returning('link_id'));
  if (inserted.length > 0) return null;
  const existing = await db('email_sends').where(ballotWhere(claim)).first<{ state: EmailSendState } | undefined>('state');
  return existing?.state ?? 'sending';
}

export async function markEmailSent(db: Knex, ballot: EmailBallot, at: string): Promise<void> {
  await db('email_sends').where(ballotWhere(ballot)).update({ state: 'sent', sent_at: at });
}

/** An attempt that died mid-send may or may not have sent: the ballot is marked so, and not sent again. */
export async function markEmailUncertain(db: Knex, ballot: EmailBallot): Promise<void> {
  await db('email_sends').where(ballotWhere(ballot)).where({ state: 'sending' }).update({ state: 'uncertain' });
}

/** The SMTP server refused the message, so nothing went out: the claim goes, and the job's retry sends it. */
export async function releaseEmailSend(db: Knex, ballot: EmailBallot): Promise<void> {
  await db('email_sends').where(ballotWhere(ballot)).where({ state: 'sending' }).delete();
}

export interface EmailSendRow extends EmailBallot {
  linkId: string;
  state: EmailSendState;
  messageId: string;
  sentAt: string | null;
}

export async function emailSendsForRequest(db: Knex, portalId: string, requestId: string): Promise<EmailSendRow[]> {
  const rows = await db('email_sends').where({ portal_id: portalId, request_id: requestId }).orderBy(['step_index', 'approver_email'])
    .select<{ step_index: number; approver_email: string; link_id: string; state: EmailSendState; message_id: string; sent_at: Date | null }[]>(
      'step_index', 'approver_email', 'link_id', 'state', 'message_id', 'sent_at');
  return rows.map((row) => ({
    portalId, requestId, stepIndex: row.step_index, approverEmail: row.approver_email, linkId: row.link_id,
    state: row.state, messageId: row.message_id, sentAt: row.sent_at?.toISOString() ?? null,
  }));
}

const ballotWhere = (ballot: EmailBallot) => ({
  portal_id: ballot.portalId, request_id: ballot.requestId, step_index: ballot.stepIndex, approver_email: ballot.approverEmail,
});
