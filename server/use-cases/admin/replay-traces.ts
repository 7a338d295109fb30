// Replay: recompute every traced evaluation from its stored input (documents resolved by hash) and report
// each row whose recomputed output differs, byte for byte. It reads only; it never writes a trace.
import { DirectorySchema } from '../../../src/directory/schema.js';
import { evaluate, serialiseOutput } from '../../../src/evaluate.js';
import { sha256Hex } from '../../../src/hash.js';
import { PolicySchema } from '../../../src/policy/schema.js';
import type { Db } from '../../db/database.js';
import { evaluationTracesPage, traceDocument } from '../../store/trace-reads.js';
import type { TraceRow } from '../../store/traces.js';
import type { EvaluationTraceInput } from '../trace-evaluation.js';

export interface ReplayDifference {
  portalId: string;
  seq: number;
  problem: string;
}

export interface ReplayReport {
  checked: number;
  differences: ReplayDifference[];
}

export async function replayEvaluations(db: Db, options: { portalId?: string; since?: string } = {}, pageSize = 2_000): Promise<ReplayReport> {
  const documents = new Map<string, unknown>();
  const loadDocument = async (hash: string): Promise<unknown> => {
    if (documents.has(hash)) return documents.get(hash);
    const body = await traceDocument(db, hash);
    if (body === null) throw new Error(`document ${hash} is missing`);
    if (sha256Hex(body) !== hash) throw new Error(`document ${hash} does not match its hash`);
    const parsed: unknown = JSON.parse(body);
    documents.set(hash, parsed);
    return parsed;
  };

  const report: ReplayReport = { checked: 0, differences: [] };
  let afterId = 0;
  for (;;) {
    const rows = await evaluationTracesPage(db, { afterId, limit: pageSize, ...options });
    for (const row of rows) {
      report.checked += 1;
      const problem = await replayRow(row, loadDocument).catch((error: unknown) => `could not replay: ${error instanceof Error ? error.message : String(error)}`);
      if (problem) report.differences.push({ portalId: String(row.portal_id), seq: Number(row.seq), problem });
    }
    if (rows.length < pageSize) break;
    afterId = Number(rows.at(-1)?.id);
  }
  return report;
}

async function replayRow(row: TraceRow, loadDocument: (hash: string) => Promise<unknown>): Promise<string | null> {
  const input = JSON.parse(row.input) as EvaluationTraceInput;
  const policy = PolicySchema.parse(await loadDocument(input.policyHash));
  const directory = DirectorySchema.parse(await loadDocument(input.directoryHash));
  const output = serialiseOutput(evaluate({ deal: input.deal, policy, directory, requester: input.requester, at: input.at }));
  if (output === row.output) return null;
  const stored = JSON.parse(row.output) as { engineVersion?: string; outputHash?: string };
  const recomputed = JSON.parse(output) as { engineVersion?: string; outputHash?: string };
  const engine = stored.engineVersion === recomputed.engineVersion ? '' : ` (recorded by ${stored.engineVersion}, replayed with ${recomputed.engineVersion})`;
  return `output differs: stored ${stored.outputHash?.slice(0, 12)}, recomputed ${recomputed.outputHash?.slice(0, 12)}${engine}`;
}
