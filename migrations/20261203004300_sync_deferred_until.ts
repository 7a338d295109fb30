// When a portal's HubSpot budget for the day is spent (ours, or HubSpot's daily limit), its syncs wait for the next
// day: the time they wait until is kept with the budget, for the incident, the metric, posture and the card.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('portal_budgets', (table) => {
    table.timestamp('deferred_until', { useTz: true });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('portal_budgets', (table) => {
    table.dropColumn('deferred_until');
  });
}
