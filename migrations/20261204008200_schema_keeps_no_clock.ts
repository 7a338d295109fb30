// Time is the service's clock, passed in: the database's now() decides nothing, and the schema keeps no clock of its
// own either. These columns defaulted to the database's time; without the default, and still NOT NULL, a writer that
// forgets to pass the service's time fails loudly instead of quietly taking the database's.
import type { Knex } from 'knex';

const STAMPED: Record<string, string[]> = {
  approval_requests: ['created_at', 'updated_at'],
  deal_stage_history: ['recorded_at'],
  delegations: ['created_at'],
  hubspot_tokens: ['updated_at'],
  idempotency_keys: ['created_at'],
  incidents: ['created_at'],
  jobs: ['created_at', 'run_at'],
  local_deals: ['updated_at'],
  local_notes: ['created_at'],
  local_tasks: ['created_at'],
  oauth_state_nonces: ['used_at'],
  policy_versions: ['created_at'],
  portals: ['created_at', 'updated_at'],
  webhook_events: ['received_at'],
};

export async function up(knex: Knex): Promise<void> {
  for (const [table, columns] of Object.entries(STAMPED)) {
    await knex.raw(`ALTER TABLE ?? ${columns.map(() => 'ALTER COLUMN ?? DROP DEFAULT').join(', ')}`, [table, ...columns]);
  }
}

export async function down(knex: Knex): Promise<void> {
  for (const [table, columns] of Object.entries(STAMPED)) {
    await knex.raw(`ALTER TABLE ?? ${columns.map(() => 'ALTER COLUMN ?? SET DEFAULT CURRENT_TIMESTAMP').join(', ')}`, [table, ...columns]);
  }
}
