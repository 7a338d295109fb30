// `approval-router baseline show|import|reset --portal ID [FILE] [--json]`: the portal's scorecard baseline. `import`
// reads a history export (the file `simulate --history` reads, or `report --history-out` writes); `reset` returns to
// the portal's first 30 days. The operator running it holds the database, so no admin check applies.
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import type { BaselineAnswer } from '../../src/contract/scorecard.js';
import { AppError } from '../errors.js';
import { formatHours, formatShare } from '../report/format.js';
import { findPortal } from '../store/portals.js';
import { terminalJson, terminalText } from '../terminal-text.js';
import { resolveBaseline, setBaselineAsOperator } from '../use-cases/admin/scorecard-baseline.js';
import { openForCommand } from './open-for-command.js';
import { isPortalId, usageError } from './parse-command-args.js';

const USAGE = `usage: approval-router baseline show --portal ID [--json]
       approval-router baseline import --portal ID FILE [--json]   (CSV route,step,hours[,outcome][,request][,sla_hours][,request_state], or JSONL)
       approval-router baseline reset --portal ID [--json]          (back to the portal's first 30 days)`;

export async function run(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { portal: { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } } });
  } catch (error) {
    return usageError((error as Error).message, USAGE);
  }
  const { values, positionals: [action, file, ...rest] } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (action !== 'show' && action !== 'import' && action !== 'reset') return usageError('say show, import or reset', USAGE);
  if (!isPortalId(values.portal)) return usageError('--portal takes a portal id (digits)', USAGE);
  if (action === 'import' ? file === undefined || rest.length > 0 : file !== undefined) return usageError(action === 'import' ? 'import takes one FILE' : `${action} takes no FILE`, USAGE);

  let history: string | null = null;
  if (action === 'import' && file !== undefined) {
    try {
      history = await readFile(file, 'utf8');
    } catch (error) {
      console.error(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
      return 2;
    }
  }
  const database = await openForCommand();
  try {
    const portal = await findPortal(database.db, values.portal);
    if (!portal) {
      console.error(`portal ${values.portal} is not in this database`);
      return 1;
    }
    const now = new Date();
    let answer: BaselineAnswer;
    try {
      answer = action === 'show' ? await resolveBaseline(database.db, portal.id, now)
        : await setBaselineAsOperator(database.db, portal.id, history === null ? { source: 'first_30_days' } : { source: 'import', history, fileName: basename(file ?? '') }, 'cli', now);
    } catch (error) {
      if (error instanceof AppError && error.code === 'bad_request') {
        console.error(`${file}: ${error.message}`);
        return 1;
      }
      throw error;
    }
    console.log(values.json ? terminalJson(answer) : terminalText(describeBaseline(answer)));
    return 0;
  } finally {
    await database.close();
  }
}

export function describeBaseline(answer: BaselineAnswer): string {
  const b = answer.baseline;
  if (!b) return `No baseline yet (version ${answer.version}): the portal has no request, and nothing was imported.`;
  const head = b.source === 'import'
    ? `Baseline imported from ${b.fileName ?? 'a history export'} at ${b.fixedAt ?? '?'} by ${b.fixedBy ?? '?'}: ${b.samples} rows read, ${b.skippedRows} skipped`
    : `Baseline from the first 30 days, ${b.period?.from ?? '?'} to ${b.period?.to ?? '?'}${b.provisional ? ' (provisional: the 30 days have not passed)' : `, fixed at ${b.fixedAt ?? '?'}`}: ${b.samples} requests`;
  const f = b.figures;
  return [
    `${head} (version ${answer.version})`,
    ...b.skipped.map((s) => `  line ${s.line}: ${s.problem}`),
    ...b.notes.map((n) => `  note: ${n}`),
    'Cycle time by route:               p50        p90      n',
    ...f.cycleByRoute.map((r) => `  ${r.routeId.padEnd(30)}${formatHours(r.p50).padStart(9)}  ${formatHours(r.p90).padStart(9)}  ${String(r.count).padStart(5)}${r.estimated ? '  (estimated from step medians)' : ''}`),
    `SLA breach rate ${formatShare(f.slaBreachRate.value)} of ${f.slaBreachRate.count} steps; approval rate ${formatShare(f.approvalRate.value)} of ${f.approvalRate.count} requests; re-approval rate ${formatShare(f.reapprovalRate.value)} of ${f.reapprovalRate.count} requests`,
  ].join('\n');
}
