// Administering from HubSpot (issue 19): what the promotion gate judges and records per policy version (validation,
// simulations by policy hash, shadow windows, each gated activation), who rolled a version back, posture's
// transitions, the portal's HubSpot super admins as last read, and incidents that are resolved or followed up.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('policy_versions', (table) => {
    /** `posture` when posture rolled it back for critical posture; else the admin who did. */
    table.text('rolled_back_by');
  });
  await knex.raw(`UPDATE policy_versions SET rolled_back_by = 'posture' WHERE rolled_back_at IS NOT NULL AND rolled_back_reason LIKE 'posture critical%'`);
  // The policy a portal was installed with is its first version: a portal with no stable version returns to it.
  await knex.raw(`UPDATE policy_versions v SET stable_at = COALESCE(v.activated_at, v.created_at)
    WHERE v.version = 1 AND v.rolled_back_at IS NULL AND v.stable_at IS NULL
      AND NOT EXISTS (SELECT 1 FROM policy_versions s WHERE s.portal_id = v.portal_id AND s.stable_at IS NOT NULL)`);

  await knex.schema.createTable('policy_version_checks', (table) => {
    table.bigInteger('policy_version_id').primary().references('policy_versions.id').onDelete('CASCADE');
    table.bigInteger('portal_id').notNullable().references('portals.id').onDelete('CASCADE');
    table.timestamp('validated_at', { useTz: true });
    table.text('validated_engine');
    /** The latest shadow window: from staging to the drop or promotion (open while staged). */
    table.timestamp('shadow_started_at', { useTz: true });
    table.timestamp('shadow_ended_at', { useTz: true });
  });

  // The latest simulation of a policy text (by hash) in a portal, with the deals accepted as unroutable.
  await knex.schema.createTable('policy_simulations', (table) => {
    table.bigInteger('portal_id').notNullable().references('portals.id').onDelete('CASCADE');
    table.text('policy_hash').notNullable();
    table.timestamp('ran_at', { useTz: true }).notNullable();
    table.text('ran_by').notNullable();
    table.integer('deals').notNullable();
    table.text('truncated'); // deal_limit, time_limit, or null
    table.jsonb('unroutable').notNullable(); // [{dealId, name, stepId, reason}]
    table.jsonb('accepted').notNullable(); // {dealId: {reason, by, at}}
    table.jsonb('summary').notNullable();
    table.text('summary_hash').notNullable();
    table.jsonb('answer').notNullable();
    table.primary(['portal_id', 'policy_hash']);
  });

  // Each activation through the gate: what it passed (or what an override skipped), by whom and why.
  await knex.schema.createTable('policy_gate_passes', (table) => {
    table.bigIncrements('id').primary();
    table.bigInteger('portal_id').notNullable().references('portals.id').onDelete('CASCADE');
    table.bigInteger('policy_version_id').notNullable().references('policy_versions.id').onDelete('CASCADE');
    table.timestamp('at', { useTz: true }).notNullable();
    table.text('by').notNullable();
    table.boolean('overridden').notNullable();
    table.text('reason');
    table.jsonb('gate').notNullable();
    table.bigInteger('incident_id');
    table.index(['portal_id', 'policy_version_id']);
  });

  await knex.schema.createTable('portal_postures', (table) => {
    table.bigInteger('portal_id').primary().references('portals.id').onDelete('CASCADE');
    table.text('posture').notNullable();
    table.timestamp('since', { useTz: true }).notNullable();
  });
  await knex.schema.createTable('posture_transitions', (table) => {
    table.bigIncrements('id').primary();
    table.bigInteger('portal_id').notNullable().references('portals.id').onDelete('CASCADE');
    table.timestamp('at', { useTz: true }).notNullable();
    table.text('from_posture');
    table.text('to_posture').notNullable();
    table.jsonb('reasons').notNullable();
    table.bigInteger('policy_version_id').references('policy_versions.id').onDelete('SET NULL');
    table.jsonb('signals');
    table.index(['portal_id', 'at']);
  });

  await knex.schema.createTable('hubspot_super_admins', (table) => {
    table.bigInteger('portal_id').primary().references('portals.id').onDelete('CASCADE');
    table.specificType('emails', 'text[]').notNullable();
    table.timestamp('read_at', { useTz: true }).notNullable();
    table.text('error');
  });

  await knex.schema.alterTable('incidents', (table) => {
    table.timestamp('resolved_at', { useTz: true });
    table.text('resolved_by');
    table.text('resolution_note');
    table.timestamp('follow_up_queued_at', { useTz: true });
    table.timestamp('follow_up_done_at', { useTz: true });
    table.text('follow_up_task_id');
    table.text('follow_up_assigned_to');
    table.text('follow_up_note');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('incidents', (table) => {
    for (const column of ['resolved_at', 'resolved_by', 'resolution_note', 'follow_up_queued_at', 'follow_up_done_at', 'follow_up_task_id', 'follow_up_assigned_to', 'follow_up_note']) {
      table.dropColumn(column);
    }
  });
  for (const name of ['hubspot_super_admins', 'posture_transitions', 'portal_postures', 'policy_gate_passes', 'policy_simulations', 'policy_version_checks']) {
    await knex.schema.dropTableIfExists(name);
  }
  await knex.schema.alterTable('policy_versions', (table) => { table.dropColumn('rolled_back_by'); });
}
