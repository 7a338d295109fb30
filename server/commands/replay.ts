// `approval-router replay [--portal ID] [--since DATE]`: recompute traced evaluations and report differences.
import { parseArgs } from 'node:util';
import { replayEvaluations } from '../use-cases/admin/replay-traces.js';
import { openForCommand } from './open-for-command.js';

export async function run(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { portal: { type: 'string' }, since: { type: 'string' }, json: { type: 'boolean' } } });
  if (values.portal !== undefined && !/^\d+$/.test(values.portal)) {
    console.error('--portal takes a portal id (digits)');
    return 2;
  }
  if (values.since !== undefined && Number.isNaN(Date.parse(values.since))) {
    console.error('--since takes a date or instant, e.g. 2026-11-01 or 2026-11-01T00:00:00Z');
    return 2;
  }
  const since = values.since === undefined ? undefined : new Date(values.since).toISOString();
  const database = await openForCommand();
  try {
    const report = await replayEvaluations(database.db, { ...(values.portal ? { portalId: values.portal } : {}), ...(since ? { since } : {}) });
    if (values.json) console.log(JSON.stringify(report, null, 2));
    else {
      for (const difference of report.differences) console.log(`portal ${difference.portalId} row ${difference.seq}: ${difference.problem}`);
      console.log(`replayed ${report.checked} evaluations: ${report.differences.length === 0 ? 'no differences' : `${report.differences.length} differ`}`);
    }
    return report.differences.length === 0 ? 0 : 1;
  } finally {
    await database.close();
  }
}
