// Append-only, hash-chained traces: one row per evaluation, transition and sync. Appends for a portal are
// serialised by a row lock on its chain head, inside the caller's transaction, so the chain has no forks.
//
// The order every transaction takes its locks in, so that none waits for a lock held by one waiting for its own:
//   1. the idempotency key it claims;
//   2. the portal's row, where a change to its configuration locks it;
//   3. request rows: the request acted on or the deal's latest one, then what it writes to them (a new request
//      takes the deal's pending slot, a transition its steps and decisions);
//   4. the jobs it enqueues;
//   5. the portal's chain head, last: once a transaction appends a trace it only appends more, inserts rows no one
//      else can hold, and commits. An idempotent action's trace waits for the commit itself (stageTraceAndAnswer).
// Trace documents (policies, directories) are stored before the transaction, in a statement of their own.
import type { Knex } from 'knex';
import { canonicalJson } from '../../src/hash.js';
import { chainHash, GENESIS_HASH, type TraceRecord } from '../../src/trace-hash.js';
import { namedStatement } from '../db/database.js';

// The chain formula lives in src/trace-hash.ts; append_trace() (migrations/20261127000500) applies the same one in SQL.

export type TraceKind = 'evaluation' | 'transition' | 'decision' | 'sync' | 'policy' | 'flag' | 'change_assessment' | 'escalation' | 'reminder' | 'gate' | 'rollout' | 'delegation' | 'settings' | 'notification' | 'slack' | 'incident';

export interface TraceEntry {
  portalId: string;
  kind: TraceKind;
  requestId?: string | null;
  dealId?: string | null;
  input: unknown;
  output: unknown;
  policyHash?: string | null;
  inputHash?: string | null;
  engineVersion: string;
  occurredAt: string;
}

export interface AppendedTrace {
  seq: number;
  hash: string;
}

/**
 * Appends a trace row. Given a transaction, the row commits with it. Given the database, the statement is a
 * transaction of its own, so the portal's chain-head lock is held only while it runs and commits; there
 * `waitForDisk: false` lets that commit return before its WAL reaches the disk (for rows that decide nothing):
 * set_config(…, true) lasts until the end of that transaction, whose commit is when it is read.
 */
export async function appendTrace(db: Knex, entry: TraceEntry, options: { waitForDisk?: boolean } = {}): Promise<AppendedTrace> {
  // Within a transaction the row commits with it, as that transaction's commit decides.
  const waitForDisk = options.waitForDisk !== false || db.isTransaction;
  const call = appendCall(entry);
  const { rows } = await db.raw<{ rows: { trace_seq: string; trace_hash: string }[] }>(
    `SELECT trace_seq, trace_hash FROM ${waitForDisk ? '' : "set_config('synchronous_commit', 'off', true), "}${call.sql}`, call.bindings,
  );
  const row = rows[0];
  if (!row) throw new Error('append_trace returned no row');
  return { seq: Number(row.trace_seq), hash: row.trace_hash };
}

/**
 * Stages an action's trace and its idempotent answer: as the transaction commits, a deferred trigger
 * (migrations/20261204008000) appends the trace and stores the answer with the trace's hash added as `traceHash` after
 * the body's own members. The chain head, the last lock a transaction takes (see the order above), is so taken at the
 * commit and held only to its end, never across a round trip to this process, and that commit does not wait for the
 * disk: the answer is read back by a statement that does (store/idempotency.ts).
 */
export async function stageTraceAndAnswer(
  trx: Knex.Transaction, entry: TraceEntry, key: { portalId: string; key: string }, answer: { status: number; body: object },
): Promise<void> {
  const body = JSON.stringify(answer.body);
  if (!body.startsWith('{"')) throw new Error('an answer with a trace is an object with members of its own');
  const record = traceRecord(entry);
  await trx('trace_staged').insert({
    portal_id: record.portalId, kind: record.kind, request_id: record.requestId, deal_id: record.dealId, input: record.input,
    output: record.output, policy_hash: record.policyHash, input_hash: entry.inputHash ?? null, engine_version: record.engineVersion,
    occurred_at: record.occurredAt, template: canonicalJson(record), answer_key: key.key, answer_status: answer.status, answer_body: body,
  });
}

/** The call of append_trace() (migrations/20261127000500, 20261204008000) for an entry, with its bindings. */
function appendCall(entry: TraceEntry): { sql: string; bindings: Knex.RawBinding[] } {
  const record = traceRecord(entry);
  return {
    sql: 'append_trace(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    bindings: [record.portalId, record.kind, record.requestId, record.dealId, record.input, record.output, record.policyHash,
      entry.inputHash ?? null, record.engineVersion, record.occurredAt, canonicalJson(record)],
  };
}

/** The record an entry is hashed as, its seq left for append_trace() to place under the chain-head lock. */
function traceRecord(entry: TraceEntry): TraceRecord {
  return {
    portalId: entry.portalId,
    seq: 0,
    kind: entry.kind,
    requestId: entry.requestId ?? null,
    dealId: entry.dealId ?? null,
    input: canonicalJson(entry.input),
    output: canonicalJson(entry.output),
    policyHash: entry.policyHash ?? null,
    engineVersion: entry.engineVersion,
    occurredAt: entry.occurredAt,
  };
}

export interface TraceRow {
  id: string;
  portal_id: string;
  seq: string;
  kind: string;
  request_id: string | null;
  deal_id: string | null;
  input: string;
  output: string;
  policy_hash: string | null;
  engine_version: string;
  occurred_at: string;
  prev_hash: string;
  hash: string;
}

export function toRecord(row: TraceRow): TraceRecord {
  return {
    portalId: String(row.portal_id),
    seq: Number(row.seq),
    kind: row.kind,
    requestId: row.request_id,
    dealId: row.deal_id,
    input: row.input,
    output: row.output,
    policyHash: row.policy_hash,
    engineVersion: row.engine_version,
    occurredAt: row.occurred_at,
  };
}

export type ChainVerdict =
  | { ok: true; portalId: string; rows: number; head: string }
  | { ok: false; portalId: string; rows: number; seq: number; problem: string };

/**
 * Walks a portal's chain in order (in pages) and names the first broken link. It reads one snapshot (repeatable
 * read), so rows appended while it walks neither appear half-way nor make the head look ahead of the rows.
 */
export async function verifyChain(db: Knex, portalId: string, pageSize = 5_000): Promise<ChainVerdict> {
  return db.transaction(async (trx) => {
    const head = await trx('trace_heads').where({ portal_id: portalId }).first<{ seq: string; hash: string } | undefined>();
    let prevHash = GENESIS_HASH;
    let expectedSeq = 1;
    let rows = 0;
    for (;;) {
      const page = await trx('traces').where({ portal_id: portalId }).andWhere('seq', '>=', expectedSeq)
        .orderBy('seq').limit(pageSize).select<TraceRow[]>('*');
      for (const row of page) {
        const seq = Number(row.seq);
        if (seq !== expectedSeq) return { ok: false, portalId, rows, seq: expectedSeq, problem: `row ${expectedSeq} is missing (next row is ${seq})` };
        if (row.prev_hash !== prevHash) return { ok: false, portalId, rows, seq, problem: `row ${seq} does not point at the hash of row ${seq - 1}` };
        const recomputed = chainHash(prevHash, toRecord(row));
        if (recomputed !== row.hash) return { ok: false, portalId, rows, seq, problem: `row ${seq} was changed: its content no longer matches its hash` };
        prevHash = row.hash;
        expectedSeq += 1;
        rows += 1;
      }
      if (page.length < pageSize) break;
    }
    if (head && (Number(head.seq) !== rows || head.hash !== prevHash)) {
      return { ok: false, portalId, rows, seq: rows + 1, problem: `the chain head is at row ${head.seq} but the rows end at ${rows}: rows were removed from the end` };
    }
    return { ok: true, portalId, rows, head: prevHash };
  }, { isolationLevel: 'repeatable read', readOnly: true });
}

export async function tracePortals(db: Knex): Promise<string[]> {
  const rows = await db('trace_heads').select<{ portal_id: string }[]>('portal_id').orderBy('portal_id');
  return rows.map((row) => String(row.portal_id));
}

/** Stores a document (policy, directory snapshot) by the hash of its canonical JSON; a no-op when it is there. */
/** Stores documents (policies, directory snapshots) by the hash of their canonical JSON, in one statement; known ones are left as they are. */
export async function storeDocuments(db: Knex, documents: readonly { kind: 'policy' | 'directory'; hash: string; canonical: string }[]): Promise<void> {
  if (documents.length === 0) return;
  await db.raw(
    `INSERT INTO trace_documents (hash, kind, body) SELECT * FROM unnest(?::text[], ?::text[], ?::text[]) ON CONFLICT (hash) DO NOTHING`,
    [documents.map((d) => d.hash), documents.map((d) => d.kind), documents.map((d) => d.canonical)],
  );
}

export async function loadDocument(db: Knex, hash: string): Promise<string | null> {
  const row = await db('trace_documents').where({ hash }).first<{ body: string } | undefined>();
  return row?.body ?? null;
}

// The kind is written out, not bound: only then can the statement's kept plan use the index of evaluations, which
// is partial (WHERE kind = 'evaluation'). The input and output documents are not read.
const EVALUATION_TRACE = `SELECT seq, hash FROM traces WHERE portal_id = ? AND kind = 'evaluation' AND input_hash = ? ORDER BY seq LIMIT 1`;
const evaluationTraceStatement = namedStatement('evaluation-trace');

/** The trace of an earlier evaluation with the same input, if there is one (evaluations are content-addressed). */
export async function findEvaluationTrace(db: Knex, portalId: string, inputHash: string): Promise<AppendedTrace | null> {
  const { rows: [row] } = await db.raw<{ rows: { seq: string; hash: string }[] }>(EVALUATION_TRACE, [portalId, inputHash]).options(evaluationTraceStatement);
  return row ? { seq: Number(row.seq), hash: row.hash } : null;
}

/** The hashes of a request's trace rows, oldest first. */
export async function requestTraceHashes(db: Knex, portalId: string, requestId: string): Promise<string[]> {
  return db('traces').where({ portal_id: portalId, request_id: requestId }).orderBy('seq').pluck<string[]>('hash');
}
