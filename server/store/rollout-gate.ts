// What the promotion gate judges a policy version on, and what it records: when the version was validated and
// when it ran in shadow (policy_version_checks), the latest simulation of its text by hash (policy_simulations),
// each gated activation (policy_gate_passes), and the traffic and shadow signals it reads. The use case decides.
import type { Knex } from 'knex';

export interface VersionChecks {
  validatedAt: string | null;
  validatedEngine: string | null;
  shadowStartedAt: string | null;
  shadowEndedAt: string | null;
}

interface ChecksRow {
  policy_version_id: string;
  validated_at: Date | null;
  validated_engine: string | null;
  shadow_started_at: Date | null;
  shadow_ended_at: Date | null;
}

const toChecks = (row: ChecksRow | undefined): VersionChecks => ({
  validatedAt: row?.validated_at?.toISOString() ?? null,
  validatedEngine: row?.validated_engine ?? null,
  shadowStartedAt: row?.shadow_started_at?.toISOString() ?? null,
  shadowEndedAt: row?.shadow_ended_at?.toISOString() ?? null,
});

export async function versionChecks(db: Knex, portalId: string, versionId: string): Promise<VersionChecks> {
  return toChecks(await db('policy_version_checks').where({ portal_id: portalId, policy_version_id: versionId }).first<ChecksRow | undefined>());
}

/** The checks of several versions at once, by version id. */
export async function versionChecksFor(db: Knex, portalId: string, versionIds: readonly string[]): Promise<Map<string, VersionChecks>> {
  if (versionIds.length === 0) return new Map();
  const rows = await db('policy_version_checks').where({ portal_id: portalId }).whereIn('policy_version_id', versionIds).select<ChecksRow[]>('*');
  return new Map(rows.map((row) => [String(row.policy_version_id), toChecks(row)]));
}

async function upsertChecks(db: Knex, portalId: string, versionId: string, columns: Record<string, unknown>): Promise<void> {
  await db('policy_version_checks').insert({ policy_version_id: versionId, portal_id: portalId, ...columns }).onConflict('policy_version_id').merge(Object.keys(columns));
}

export function recordValidated(db: Knex, portalId: string, versionId: string, at: string, engine: string): Promise<void> {
  return upsertChecks(db, portalId, versionId, { validated_at: at, validated_engine: engine });
}

/** Staging opens a new shadow window (a re-staged version starts afresh, as its disagreements do). */
export function recordShadowStarted(db: Knex, portalId: string, versionId: string, at: string): Promise<void> {
  return upsertChecks(db, portalId, versionId, { shadow_started_at: at, shadow_ended_at: null });
}

/** Dropping or promoting the candidate closes its window. */
export async function recordShadowEnded(db: Knex, portalId: string, versionId: string, at: string): Promise<void> {
  await db('policy_version_checks').where({ portal_id: portalId, policy_version_id: versionId }).whereNull('shadow_ended_at').whereNotNull('shadow_started_at')
    .update({ shadow_ended_at: at });
}

// ---- simulations ----

export interface UnroutableDeal {
  dealId: string;
  name: string | null;
  stepId: string | null;
  reason: string;
}

export interface Acceptance {
  reason: string;
  by: string;
  at: string;
}

export interface StoredSimulation<S = unknown, A = unknown> {
  policyHash: string;
  ranAt: string;
  ranBy: string;
  deals: number;
  truncated: 'deal_limit' | 'time_limit' | null;
  unroutable: UnroutableDeal[];
  accepted: Record<string, Acceptance>;
  summary: S;
  summaryHash: string;
  answer: A;
}

interface SimulationRow {
  policy_hash: string;
  ran_at: Date;
  ran_by: string;
  deals: number;
  truncated: 'deal_limit' | 'time_limit' | null;
  unroutable: UnroutableDeal[];
  accepted: Record<string, Acceptance>;
  summary: unknown;
  summary_hash: string;
  answer: unknown;
}

/** The latest simulation of this policy text in the portal, or null. */
export async function latestSimulation<S, A>(db: Knex, portalId: string, policyHash: string): Promise<StoredSimulation<S, A> | null> {
  const row = await db('policy_simulations').where({ portal_id: portalId, policy_hash: policyHash }).first<SimulationRow | undefined>();
  if (!row) return null;
  return {
    policyHash: row.policy_hash, ranAt: row.ran_at.toISOString(), ranBy: row.ran_by, deals: row.deals, truncated: row.truncated,
    unroutable: row.unroutable, accepted: row.accepted, summary: row.summary as S, summaryHash: row.summary_hash, answer: row.answer as A,
  };
}

/** Keeps a simulation as the latest of its policy text (one row per text: the newest run replaces the last). */
export async function saveSimulation(db: Knex, portalId: string, simulation: StoredSimulation): Promise<void> {
  await db('policy_simulations').insert({
    portal_id: portalId, policy_hash: simulation.policyHash, ran_at: simulation.ranAt, ran_by: simulation.ranBy, deals: simulation.deals,
    truncated: simulation.truncated, unroutable: JSON.stringify(simulation.unroutable), accepted: JSON.stringify(simulation.accepted),
    summary: JSON.stringify(simulation.summary), summary_hash: simulation.summaryHash, answer: JSON.stringify(simulation.answer),
  }).onConflict(['portal_id', 'policy_hash']).merge();
}

// ---- gate passes ----

export interface GatePass {
  portalId: string;
  versionId: string;
  at: string;
  by: string;
  overridden: boolean;
  reason: string | null;
  gate: unknown;
  incidentId: string | null;
}

export async function recordGatePass(trx: Knex.Transaction, pass: GatePass): Promise<void> {
  await trx('policy_gate_passes').insert({
    portal_id: pass.portalId, policy_version_id: pass.versionId, at: pass.at, by: pass.by, overridden: pass.overridden,
    reason: pass.reason, gate: JSON.stringify(pass.gate), incident_id: pass.incidentId,
  });
}

/** The portal's gated activations of one version, newest first. */
export async function gatePasses(db: Knex, portalId: string, versionId: string): Promise<GatePass[]> {
  const rows = await db('policy_gate_passes').where({ portal_id: portalId, policy_version_id: versionId }).orderBy('id', 'desc')
    .select<{ at: Date; by: string; overridden: boolean; reason: string | null; gate: unknown; incident_id: string | null }[]>('at', 'by', 'overridden', 'reason', 'gate', 'incident_id');
  return rows.map((row) => ({
    portalId, versionId, at: row.at.toISOString(), by: row.by, overridden: row.overridden, reason: row.reason, gate: row.gate,
    incidentId: row.incident_id === null ? null : String(row.incident_id),
  }));
}

// ---- traffic and shadow signals ----

/** Distinct deals the portal evaluated (under any version) in (since, until]: its traffic. */
export async function countDealsEvaluatedBetween(db: Knex, portalId: string, since: string, until: string): Promise<number> {
  const [row] = await db('traces').where({ portal_id: portalId, kind: 'evaluation' }).where('occurred_at', '>', since).where('occurred_at', '<=', until)
    .countDistinct<{ count: string }[]>('deal_id as count');
  return Number(row?.count ?? 0);
}

export interface ShadowSignals {
  /** Deals whose shadow evaluation of the candidate threw. */
  errorDeals: number;
  /** Deals the candidate could not route where the active version could. */
  unroutableDeals: number;
}

/** What the candidate's own shadow evaluations recorded in [since, until]. */
export async function shadowSignals(db: Knex, portalId: string, candidateVersionId: string, since: string, until: string): Promise<ShadowSignals> {
  const scope = () => db('policy_disagreements').where({ portal_id: portalId, candidate_version_id: candidateVersionId })
    .where('last_at', '>=', since).where('first_at', '<=', until);
  // One after the other: the promotion gate reads these inside the activation's transaction, one connection.
  const errors = await scope().whereRaw(`'error' = ANY(kinds)`).countDistinct<{ count: string }[]>('deal_id as count');
  const unroutable = await scope().whereRaw(`after->>'outcome' = 'unroutable'`).countDistinct<{ count: string }[]>('deal_id as count');
  return { errorDeals: Number(errors[0]?.count ?? 0), unroutableDeals: Number(unroutable[0]?.count ?? 0) };
}
