// The HubSpot account's time zone, learned at install (the account-info API), so a portal's daily HubSpot budget is
// counted to its own midnight; and why a portal is blocked (HubSpot's rate limit, or its daily limit), so every
// caller that meets the block can say which.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('hubspot_tokens', (table) => {
    table.text('time_zone');
  });
  await knex.schema.alterTable('portal_budgets', (table) => {
    table.text('block_reason');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('portal_budgets', (table) => {
    table.dropColumn('block_reason');
  });
  await knex.schema.alterTable('hubspot_tokens', (table) => {
    table.dropColumn('time_zone');
  });
}
