// A step's SLA may be a fraction of an hour (0.5 is 30 minutes), as the policy allows: the column holds what the
// policy says. double precision keeps every JavaScript number as it was written, and node-postgres reads it back
// as a number.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE approval_steps ALTER COLUMN sla_hours TYPE double precision');
}

export async function down(knex: Knex): Promise<void> {
  // A fractional SLA rounds up: the step keeps at least the time it was given.
  await knex.raw('ALTER TABLE approval_steps ALTER COLUMN sla_hours TYPE integer USING ceil(sla_hours)');
}
