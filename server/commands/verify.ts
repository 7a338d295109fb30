// `approval-router verify [--portal ID]`: walk each portal's trace chain and name the first broken link.
import { parseArgs } from 'node:util';
import { tracePortals, verifyChain } from '../store/traces.js';
import { openForCommand } from './open-for-command.js';

export async function run(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { portal: { type: 'string' }, json: { type: 'boolean' } } });
  if (values.portal !== undefined && !/^\d+$/.test(values.portal)) {
    console.error('--portal takes a portal id (digits)');
    return 2;
  }
  const database = await openForCommand();
  try {
    const portals = values.portal ? [values.portal] : await tracePortals(database.db);
    const verdicts = [];
    for (const portalId of portals) verdicts.push(await verifyChain(database.db, portalId));
    if (values.json) console.log(JSON.stringify(verdicts, null, 2));
    else {
      for (const verdict of verdicts) {
        console.log(verdict.ok
          ? `portal ${verdict.portalId}: ${verdict.rows} rows, chain intact (head ${verdict.head.slice(0, 16)})`
          : `portal ${verdict.portalId}: BROKEN at row ${verdict.seq}: ${verdict.problem}`);
      }
      if (verdicts.length === 0) console.log('no traces yet');
    }
    return verdicts.every((verdict) => verdict.ok) ? 0 : 1;
  } finally {
    await database.close();
  }
}
