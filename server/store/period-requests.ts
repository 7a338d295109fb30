// The requests a period's figures count (the scorecard and its report): every request alive at some point in it.
import type { Knex } from 'knex';
import type { Period } from '../../src/contract/scorecard.js';
import type { ApprovalState } from '../../src/lifecycle/types.js';

export interface PeriodRequest {
  id: string;
  dealId: string;
  lifecycle: ApprovalState;
}

/**
 * Requests opened before the period ends and not closed before it starts, oldest first. The index of requests by
 * their close (migrations/20261204008700) finds the open ones and those closed since the period began.
 */
export async function listPeriodRequests(db: Knex, portalId: string, period: Period): Promise<PeriodRequest[]> {
  const rows = await db('approval_requests')
    .where({ portal_id: portalId })
    .andWhere('created_at', '<', period.to)
    .andWhere((q) => { void q.whereNull('closed_at').orWhere('closed_at', '>=', period.from); })
    .orderBy('created_at')
    .orderBy('seq')
    .select<{ id: string; deal_id: string; lifecycle: ApprovalState }[]>('id', 'deal_id', 'lifecycle');
  return rows.map((row) => ({ id: row.id, dealId: row.deal_id, lifecycle: row.lifecycle }));
}
