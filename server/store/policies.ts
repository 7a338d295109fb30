// Policy versions per portal: every saved document is a numbered version with its hash; exactly one is active,
// and activating records who and when. A request keeps the version it was routed with.
import type { Knex } from 'knex';
import type { Policy } from '../../src/policy/schema.js';
import type { PortalRow } from './portals.js';

export interface PolicyVersion {
  id: string;
  portalId: string;
  version: number;
  name: string;
  source: string;
  document: Policy;
  hash: string;
  createdBy: string;
  createdAt: string;
  isActive: boolean;
  activatedBy: string | null;
  activatedAt: string | null;
}

export interface PolicyRow {
  id: string;
  portal_id: string;
  version: number;
  name: string;
  source: string;
  document: Policy;
  hash: string;
  created_by: string;
  created_at: Date;
  is_active: boolean;
  activated_by: string | null;
  activated_at: Date | null;
}

export const toVersion = (row: PolicyRow): PolicyVersion => ({
  id: String(row.id),
  portalId: String(row.portal_id),
  version: row.version,
  name: row.name,
  source: row.source,
  document: row.document,
  hash: row.hash,
  createdBy: row.created_by,
  createdAt: row.created_at.toISOString(),
  isActive: row.is_active,
  activatedBy: row.activated_by,
  activatedAt: row.activated_at?.toISOString() ?? null,
});

export async function activePolicy(db: Knex, portalId: string): Promise<PolicyVersion | null> {
  const row = await db('policy_versions').where({ portal_id: portalId, is_active: true }).first<PolicyRow | undefined>();
  return row ? toVersion(row) : null;
}

export async function policyById(db: Knex, portalId: string, id: string): Promise<PolicyVersion | null> {
  const row = await db('policy_versions').where({ portal_id: portalId, id }).first<PolicyRow | undefined>();
  return row ? toVersion(row) : null;
}

/** The document of one of the portal's versions (a request keeps the version it was routed with), or null. */
export async function policyDocumentById(db: Knex, portalId: string, id: string): Promise<Policy | null> {
  const row = await db('policy_versions').where({ portal_id: portalId, id }).first<Pick<PolicyRow, 'document'> | undefined>('document');
  return row?.document ?? null;
}

export async function policyByVersion(db: Knex, portalId: string, version: number): Promise<PolicyVersion | null> {
  const row = await db('policy_versions').where({ portal_id: portalId, version }).first<PolicyRow | undefined>();
  return row ? toVersion(row) : null;
}

export async function listPolicyVersions(db: Knex, portalId: string): Promise<PolicyVersion[]> {
  const rows = await db('policy_versions').where({ portal_id: portalId }).orderBy('version', 'desc').select<PolicyRow[]>('*');
  return rows.map(toVersion);
}

/** Saves a new version, created `at`; an identical document (same hash) returns the existing version instead of a copy. */
export async function savePolicyVersion(
  trx: Knex.Transaction,
  input: { portalId: string; source: string; document: Policy; hash: string; createdBy: string; at: string },
): Promise<{ version: PolicyVersion; created: boolean }> {
  await trx.raw('SELECT 1 FROM portals WHERE id = ? FOR UPDATE', [input.portalId]); // versions are numbered one at a time
  const same = await trx('policy_versions').where({ portal_id: input.portalId, hash: input.hash }).orderBy('version', 'desc').first<PolicyRow | undefined>();
  if (same) return { version: toVersion(same), created: false };
  const last = await trx('policy_versions').where({ portal_id: input.portalId }).max<{ max: number | null }>('version as max').first();
  const [row] = await trx('policy_versions').insert({
    portal_id: input.portalId,
    version: (last?.max ?? 0) + 1,
    name: input.document.name,
    source: input.source,
    document: JSON.stringify(input.document),
    hash: input.hash,
    created_by: input.createdBy,
    created_at: input.at,
  }).returning<PolicyRow[]>('*');
  if (!row) throw new Error('policy version insert returned nothing');
  return { version: toVersion(row), created: true };
}

export async function activatePolicyVersion(trx: Knex.Transaction, portalId: string, id: string, by: string, at: string): Promise<void> {
  await trx('policy_versions').where({ portal_id: portalId, is_active: true }).update({ is_active: false });
  await trx('policy_versions').where({ portal_id: portalId, id }).update({ is_active: true, activated_by: by, activated_at: at });
}

/** The portal (with its configuration version) and its active policy version, in one statement. */
export async function portalWithActivePolicy(db: Knex, portalId: string): Promise<{ portal: PortalRow & { config_version: string }; policy: PolicyRow | null } | null> {
  const row = await db('portals as p')
    .leftJoin('policy_versions as v', function () { this.on('v.portal_id', '=', 'p.id').andOn('v.is_active', '=', db.raw('true')); })
    .where('p.id', portalId)
    .first<Record<string, unknown> | undefined>(
      'p.id', 'p.name', 'p.install_state', 'p.feature_flag', 'p.settings', 'p.installed_by_email', 'p.config_version',
      db.raw('to_jsonb(v.*) as policy'),
    );
  if (!row) return null;
  const policy = row.policy as (Omit<PolicyRow, 'created_at' | 'activated_at'> & { created_at: string; activated_at: string | null }) | null;
  return {
    portal: row as unknown as PortalRow & { config_version: string },
    policy: policy ? { ...policy, created_at: new Date(policy.created_at), activated_at: policy.activated_at ? new Date(policy.activated_at) : null } : null,
  };
}
