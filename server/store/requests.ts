// Approval requests in Postgres. The core's ApprovalState (the `lifecycle` column) is the source of truth;
// the steps and decisions tables mirror it so the inbox and reports can query them, and the unique constraint
// on decisions makes "one decision per approver per step" hold even if code ever got it wrong.
import type { Knex } from 'knex';
import type { SuperAdminsRead } from './super-admins.js';
import type { ApprovalState } from '../../src/lifecycle/types.js';
import type { Deal } from '../../src/deal.js';
import type { Portal } from './portals.js';
import { stepStatus } from '../../src/lifecycle/waiting.js';
import { namedStatement } from '../db/database.js';

export interface StoredRequest {
  id: string;
  portalId: string;
  dealId: string;
  requesterEmail: string;
  requesterUserId: string;
  justification: string;
  dealSnapshot: Deal;
  snapshotHash: string;
  score: number;
  routeId: string;
  policyVersionId: string;
  policyVersion: number;
  state: ApprovalState['state'];
  lifecycle: ApprovalState;
  evaluation: unknown;
  rowVersion: number;
  createdAt: string;
  closedAt: string | null;
}

/** A request without the two large documents it keeps for audit (the deal snapshot and the evaluation). */
export type RequestSummary = Omit<StoredRequest, 'dealSnapshot' | 'evaluation'>;

interface RequestRow {
  id: string;
  portal_id: string;
  deal_id: string;
  requester_email: string;
  requester_user_id: string;
  justification: string;
  deal_snapshot: Deal;
  snapshot_hash: string;
  score: number;
  route_id: string;
  policy_version_id: string;
  policy_version: number;
  state: ApprovalState['state'];
  lifecycle: ApprovalState;
  evaluation: unknown;
  row_version: number;
  created_at: Date;
  closed_at: Date | null;
}

const toSummary = (row: Omit<RequestRow, 'deal_snapshot' | 'evaluation'>): RequestSummary => ({
  id: row.id,
  portalId: String(row.portal_id),
  dealId: row.deal_id,
  requesterEmail: row.requester_email,
  requesterUserId: row.requester_user_id,
  justification: row.justification,
  snapshotHash: row.snapshot_hash,
  score: row.score,
  routeId: row.route_id,
  policyVersionId: String(row.policy_version_id),
  policyVersion: row.policy_version,
  state: row.state,
  lifecycle: row.lifecycle,
  rowVersion: row.row_version,
  createdAt: row.created_at.toISOString(),
  closedAt: row.closed_at?.toISOString() ?? null,
});

const toRequest = (row: RequestRow): StoredRequest => ({ ...toSummary(row), dealSnapshot: row.deal_snapshot, evaluation: row.evaluation });

const REQUEST_COLUMNS = ['id', 'portal_id', 'deal_id', 'requester_email', 'requester_user_id', 'justification', 'deal_snapshot', 'snapshot_hash',
  'score', 'route_id', 'policy_version_id', 'state', 'lifecycle', 'evaluation', 'row_version', 'created_at', 'closed_at'].map((column) => `r.${column}`);

const selectRequest = (db: Knex) => db('approval_requests as r')
  .join('policy_versions as p', 'p.id', 'r.policy_version_id')
  .select(...REQUEST_COLUMNS, 'p.version as policy_version');

const findRequestStatement = namedStatement('find-request');
const findRequestForUpdateStatement = namedStatement('find-request-for-update');
const lockRequestWithPortalStatement = namedStatement('lock-request-with-portal');
const latestForViewStatement = namedStatement('latest-for-view');

export async function findRequest(db: Knex, portalId: string, requestId: string, options: { forUpdate?: boolean } = {}): Promise<StoredRequest | null> {
  let query = selectRequest(db).where({ 'r.portal_id': portalId, 'r.id': requestId });
  query = options.forUpdate ? query.forUpdate('r').options(findRequestForUpdateStatement) : query.options(findRequestStatement);
  const row = await query.first<RequestRow | undefined>();
  return row ? toRequest(row) : null;
}

type LockedRow = RequestRow & { portal_install_state: Portal['installState']; portal_feature_flag: Portal['featureFlag']; portal_settings: Portal['settings'] | null };
export type LockedRequest = { request: StoredRequest; portal: Pick<Portal, 'installState' | 'featureFlag' | 'settings'> };

/**
 * The request under its row lock, with its portal's install state, flag and settings as they are now: an action
 * decides on these, read under the lock, rather than on what it read before.
 */
export async function lockRequestWithPortal(trx: Knex.Transaction, portalId: string, requestId: string): Promise<LockedRequest | null> {
  const row = await selectRequest(trx).join('portals as po', 'po.id', 'r.portal_id')
    .select('po.install_state as portal_install_state', 'po.feature_flag as portal_feature_flag', 'po.settings as portal_settings')
    .where({ 'r.portal_id': portalId, 'r.id': requestId }).forUpdate('r').options(lockRequestWithPortalStatement)
    .first<LockedRow | undefined>();
  return row ? { request: toRequest(row), portal: { installState: row.portal_install_state, featureFlag: row.portal_feature_flag, settings: row.portal_settings ?? {} } } : null;
}

/** The deal's most recent request, or null. */
export async function latestRequestForDeal(db: Knex, portalId: string, dealId: string, options: { forUpdate?: boolean } = {}): Promise<StoredRequest | null> {
  let query = selectRequest(db).where({ 'r.portal_id': portalId, 'r.deal_id': dealId }).orderBy('r.created_at', 'desc').orderBy('r.seq', 'desc');
  if (options.forUpdate) query = query.forUpdate('r');
  const row = await query.first<RequestRow | undefined>();
  return row ? toRequest(row) : null;
}

export interface RequestForView {
  request: RequestSummary | null;
  /** Decisions a delegate made on someone's behalf, keyed "stepIndex:approver". */
  delegatedBy: Map<string, string>;
  /** Until when the portal's HubSpot syncs wait for its next day's budget, or null when they do not. */
  syncDeferredUntil: Date | null;
  /** The portal's config_version, read in the same statement (null: no such portal). */
  configVersion: string | null;
  /** The portal's HubSpot super admins as last read (null: never read); the use case judges their age. */
  superAdmins: SuperAdminsRead | null;
}

/**
 * What the card view needs from the approval tables in one statement: the deal's latest request with the decisions
 * delegates made on it, and beside it whether the portal's syncs wait for the next day's budget at the view's instant
 * the portal's config_version and its kept list of super admins (a row even when the deal has no request).
 */
const LATEST_FOR_VIEW = `
  SELECT (SELECT b.deferred_until FROM portal_budgets b WHERE b.portal_id = ? AND b.deferred_until > ?::timestamptz) AS sync_deferred_until,
    (SELECT po.config_version FROM portals po WHERE po.id = ?) AS config_version,
    (SELECT json_build_object('emails', s.emails, 'readAt', s.read_at, 'error', s.error) FROM hubspot_super_admins s WHERE s.portal_id = ?) AS super_admins,
    latest.*
  FROM (SELECT 1) AS one LEFT JOIN LATERAL (
    SELECT r.id, r.portal_id, r.deal_id, r.requester_email, r.requester_user_id, r.justification, r.snapshot_hash, r.score,
      r.route_id, r.policy_version_id, r.state, r.lifecycle, r.row_version, r.created_at, r.closed_at, p.version AS policy_version,
      (SELECT json_agg(json_build_array(d.step_index, d.approver_email, d.on_behalf_of) ORDER BY d.step_index, d.approver_email)
         FROM decisions d WHERE d.request_id = r.id AND d.on_behalf_of IS NOT NULL) AS delegated
    FROM approval_requests r JOIN policy_versions p ON p.id = r.policy_version_id
    WHERE r.portal_id = ? AND r.deal_id = ?
    ORDER BY r.created_at DESC, r.seq DESC LIMIT 1
  ) AS latest ON true`;

type ViewRow = Omit<RequestRow, 'deal_snapshot' | 'evaluation'> & {
  sync_deferred_until: Date | null; config_version: string | null; super_admins: SuperAdminsRead | null;
  delegated: [number, string, string][] | null; id: string | null;
};

export async function latestRequestForView(db: Knex, portalId: string, dealId: string, at: string): Promise<RequestForView> {
  const { rows } = await db.raw<{ rows: ViewRow[] }>(LATEST_FOR_VIEW, [portalId, at, portalId, portalId, portalId, dealId]).options(latestForViewStatement);
  const row = rows[0];
  if (!row) throw new Error('latestRequestForView returned no row');
  return {
    request: row.id ? toSummary(row) : null,
    delegatedBy: new Map((row.delegated ?? []).map(([step, approver, onBehalfOf]) => [`${step}:${approver}`, onBehalfOf])),
    syncDeferredUntil: row.sync_deferred_until,
    configVersion: row.config_version === null ? null : String(row.config_version),
    superAdmins: row.super_admins && { ...row.super_admins, readAt: new Date(row.super_admins.readAt).toISOString() },
  };
}

/** A request as first stored: what the store assigns (version, state from the lifecycle, times) is left out. */
export type NewRequest = Omit<StoredRequest, 'policyVersion' | 'state' | 'rowVersion' | 'createdAt' | 'closedAt'> & { at: string };

export async function insertRequest(trx: Knex.Transaction, request: NewRequest): Promise<void> {
  await trx('approval_requests').insert({
    id: request.id,
    portal_id: request.portalId,
    deal_id: request.dealId,
    requester_email: request.requesterEmail,
    requester_user_id: request.requesterUserId,
    justification: request.justification,
    deal_snapshot: JSON.stringify(request.dealSnapshot),
    snapshot_hash: request.snapshotHash,
    score: request.score,
    route_id: request.routeId,
    policy_version_id: request.policyVersionId,
    state: request.lifecycle.state,
    lifecycle: JSON.stringify(request.lifecycle),
    evaluation: JSON.stringify(request.evaluation),
    row_version: 1,
    created_at: request.at,
    updated_at: request.at,
    closed_at: request.lifecycle.closedAt,
  });
  const steps = stepsUpsert(trx, request.portalId, request.id, request.lifecycle);
  if (steps) await steps;
}

/**
 * Records the trace of the evaluation a request was routed with. The trace is appended after the request is saved (the
 * portal's chain head is the last lock a transaction takes: see traces.ts), so the request learns its hash here.
 */
export async function setEvaluationTrace(trx: Knex.Transaction, portalId: string, requestId: string, traceHash: string): Promise<void> {
  await trx('approval_requests').where({ portal_id: portalId, id: requestId })
    .update({ evaluation: trx.raw(`jsonb_set(evaluation, '{traceHash}', to_jsonb(?::text))`, [traceHash]) });
}

export interface TransitionWrites {
  /** The decision that caused it, when one did. */
  decision?: { stepIndex: number; approverEmail: string; approverUserId: string; onBehalfOf: string | null; verdict: 'approve' | 'reject'; comment: string | null };
}

/**
 * Saves a transition of a request the caller holds the row lock of: the request's row, the decision that caused it
 * and the steps' mirror. Returns the new row version. The update fails unless the row is still at the version it was
 * read at, which the lock guarantees: the backstop should code ever save a request it did not lock.
 */
export async function saveTransition(trx: Knex.Transaction, request: StoredRequest, next: ApprovalState, at: string, writes: TransitionWrites = {}): Promise<number> {
  const rowVersion = request.rowVersion + 1;
  const updated = await trx('approval_requests')
    .where({ portal_id: request.portalId, id: request.id, row_version: request.rowVersion })
    .update({ state: next.state, lifecycle: JSON.stringify(next), row_version: rowVersion, updated_at: at, closed_at: next.closedAt });
  if (updated !== 1) throw new Error(`request ${request.id} changed under its row lock`);
  const { decision } = writes;
  if (decision) {
    await trx('decisions').insert({
      portal_id: request.portalId,
      request_id: request.id,
      step_index: decision.stepIndex,
      approver_email: decision.approverEmail,
      approver_user_id: decision.approverUserId,
      on_behalf_of: decision.onBehalfOf,
      verdict: decision.verdict,
      comment: decision.comment,
      decided_at: at,
    });
  }
  const steps = stepsUpsert(trx, request.portalId, request.id, next, request.lifecycle);
  if (steps) await steps;
  return rowVersion;
}

/**
 * The steps' rows as `lifecycle` has them. With `previous` (the lifecycle the stored rows were written from), only the
 * steps whose row would change are written: most decisions leave their step as it was (active, same approvers), and
 * rewriting its row each time cost a new row version and its index entries, among them the approvers' GIN entries.
 */
function stepsUpsert(db: Knex, portalId: string, requestId: string, lifecycle: ApprovalState, previous?: ApprovalState) {
  const before = previous ? stepRows(portalId, requestId, previous) : [];
  const changed = stepRows(portalId, requestId, lifecycle).filter((row, index) => !sameStepRow(row, before[index]));
  if (changed.length === 0) return null;
  return db('approval_steps').insert(changed).onConflict(['request_id', 'step_index']).merge([...MERGED_STEP_COLUMNS]);
}

/** What a transition may change in a step's row; the other columns are written once, with the request. */
const MERGED_STEP_COLUMNS = ['status', 'started_at', 'due_at', 'completed_at', 'approvers'] as const;

type StepRow = ReturnType<typeof stepRows>[number];

function stepRows(portalId: string, requestId: string, lifecycle: ApprovalState) {
  return lifecycle.steps.map((step, index) => ({
    request_id: requestId,
    step_index: index,
    portal_id: portalId,
    step_id: step.id,
    mode: step.mode,
    quorum: step.quorum,
    approvers: step.approvers,
    status: stepStatus(lifecycle, step),
    sla_hours: step.slaHours,
    started_at: step.startedAt,
    due_at: step.dueAt,
    completed_at: step.status === 'approved' || step.status === 'rejected' ? lastDecisionAt(step) : null,
  }));
}

function sameStepRow(row: StepRow, stored: StepRow | undefined): boolean {
  return stored !== undefined && MERGED_STEP_COLUMNS.every((column) => column === 'approvers'
    ? row.approvers.length === stored.approvers.length && row.approvers.every((email, index) => email === stored.approvers[index])
    : row[column] === stored[column]);
}

function lastDecisionAt(step: ApprovalState['steps'][number]): string | null {
  return step.decisions.at(-1)?.at ?? null;
}

export interface InboxRow {
  id: string;
  deal_id: string;
  requester_email: string;
  score: number;
  route_id: string;
  created_at: Date;
  step_id: string;
  due_at: Date | null;
  deal_snapshot: Deal;
}

/** Pending requests whose active step waits on this approver (who has not decided yet), oldest due first. */
export async function inboxFor(db: Knex, portalId: string, email: string, limit = 100): Promise<InboxRow[]> {
  return db('approval_steps as s')
    .join('approval_requests as r', 'r.id', 's.request_id')
    .where({ 's.portal_id': portalId, 's.status': 'active', 'r.state': 'pending' })
    .whereRaw('s.approvers @> ARRAY[?]::text[]', [email])
    .whereNotExists(function () {
      void this.select(1).from('decisions as d')
        .whereRaw('d.request_id = s.request_id AND d.step_index = s.step_index AND d.approver_email = ?', [email]);
    })
    .orderByRaw('s.due_at ASC NULLS LAST, r.created_at ASC')
    .limit(limit)
    .select<InboxRow[]>('r.id', 'r.deal_id', 'r.requester_email', 'r.score', 'r.route_id', 'r.created_at', 's.step_id', 's.due_at', 'r.deal_snapshot');
}

/** Requests by state, across portals. */
export async function countRequestsByState(db: Knex): Promise<{ state: ApprovalState['state']; count: number }[]> {
  const rows = await db('approval_requests').select('state').count<{ state: ApprovalState['state']; count: string }[]>('* as count').groupBy('state');
  return rows.map((row) => ({ state: row.state, count: Number(row.count) }));
}

/**
 * The deal's requests, newest first, at most `limit`, each with the decisions delegates made on it, in one
 * statement (the card's request history).
 */
export async function requestsForDeal(db: Knex, portalId: string, dealId: string, limit: number): Promise<{ request: RequestSummary; delegatedBy: Map<string, string> }[]> {
  const { rows } = await db.raw<{ rows: (Omit<RequestRow, 'deal_snapshot' | 'evaluation'> & { delegated: [number, string, string][] | null })[] }>(
    `SELECT r.id, r.portal_id, r.deal_id, r.requester_email, r.requester_user_id, r.justification, r.snapshot_hash, r.score,
       r.route_id, r.policy_version_id, r.state, r.lifecycle, r.row_version, r.created_at, r.closed_at, p.version AS policy_version,
       (SELECT json_agg(json_build_array(d.step_index, d.approver_email, d.on_behalf_of) ORDER BY d.step_index, d.approver_email)
          FROM decisions d WHERE d.request_id = r.id AND d.on_behalf_of IS NOT NULL) AS delegated
     FROM approval_requests r JOIN policy_versions p ON p.id = r.policy_version_id
     WHERE r.portal_id = ? AND r.deal_id = ?
     ORDER BY r.created_at DESC, r.seq DESC LIMIT ?`,
    [portalId, dealId, limit],
  );
  return rows.map((row) => ({
    request: toSummary(row),
    delegatedBy: new Map((row.delegated ?? []).map(([step, approver, onBehalfOf]) => [`${step}:${approver}`, onBehalfOf])),
  }));
}
