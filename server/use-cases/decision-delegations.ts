// Which decisions a delegate made on someone's behalf, keyed "stepIndex:approver", for the request view.
import type { Knex } from 'knex';

export async function decisionDelegations(db: Knex, requestId: string): Promise<Map<string, string>> {
  const rows = await db('decisions').where({ request_id: requestId }).whereNotNull('on_behalf_of')
    .select<{ step_index: number; approver_email: string; on_behalf_of: string }[]>('step_index', 'approver_email', 'on_behalf_of');
  return new Map(rows.map((row) => [`${row.step_index}:${row.approver_email}`, row.on_behalf_of]));
}
