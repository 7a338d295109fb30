// One-click links that decided: a row per link, written in the decision's own transaction, so a link decides once and
// a decision made through a link is never without its row (nor the row without its decision).
import type { Knex } from 'knex';

export interface EmailLinkUse {
  linkId: string;
  portalId: string;
  requestId: string;
  stepIndex: number;
  approverEmail: string;
  verdict: 'approve' | 'reject';
  usedAt: string;
}

export async function recordEmailLinkUse(trx: Knex.Transaction, use: EmailLinkUse): Promise<void> {
  await trx('email_link_uses').insert({
    link_id: use.linkId, portal_id: use.portalId, request_id: use.requestId, step_index: use.stepIndex,
    approver_email: use.approverEmail, verdict: use.verdict, used_at: use.usedAt,
  });
}

export async function findEmailLinkUse(db: Knex, linkId: string): Promise<EmailLinkUse | null> {
  const row = await db('email_link_uses').where({ link_id: linkId }).first<{
    link_id: string; portal_id: string; request_id: string; step_index: number; approver_email: string; verdict: 'approve' | 'reject'; used_at: Date;
  } | undefined>();
  return row ? {
    linkId: row.link_id, portalId: String(row.portal_id), requestId: row.request_id, stepIndex: row.step_index,
    approverEmail: row.approver_email, verdict: row.verdict, usedAt: row.used_at.toISOString(),
  } : null;
}
