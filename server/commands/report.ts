// `approval-router report --portal ID --from DATE --to DATE [--out report.html] [--json] [--history-out FILE]`:
// the scorecard for [from, to) as text, JSON, or one self-contained HTML page; --history-out writes the
// period's decided steps in the format `simulate --history` reads.
import { writeFile } from 'node:fs/promises';
import { ScorecardQuery } from '../../src/contract/scorecard.js';
import { loadConfig, signedBaseUrl } from '../config.js';
import { renderScorecardHtml } from '../report/render-html.js';
import { renderScorecardText } from '../report/render-text.js';
import { terminalJson, terminalText } from '../terminal-text.js';
import { decidedStepSamples, historyCsv } from '../report/scorecard-figures.js';
import { listPeriodRequests } from '../store/period-requests.js';
import { findPortal } from '../store/portals.js';
import { buildScorecard } from '../use-cases/admin/scorecard.js';
import { openForCommand } from './open-for-command.js';
import { parseCommandArgs, usageError, isPortalId } from './parse-command-args.js';

const USAGE = 'usage: approval-router report --portal ID --from DATE --to DATE [--out report.html] [--json] [--history-out history.csv]';

export async function run(args: string[]): Promise<number> {
  const values = parseCommandArgs(args, {
    portal: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, out: { type: 'string' },
    'history-out': { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false },
  }, USAGE);
  if (typeof values === 'number') return values;
  if (!isPortalId(values.portal)) return usageError(`--portal takes a portal id (digits)`, USAGE);
  const period = ScorecardQuery.safeParse({ from: values.from, to: values.to });
  if (!period.success) {
    for (const issue of period.error.issues) console.error(`--${issue.path.join('.') || 'from/to'}: ${issue.message}`);
    return 2;
  }
  const database = await openForCommand();
  try {
    const portal = await findPortal(database.db, values.portal);
    if (!portal) {
      console.error(`portal ${values.portal} is not in this database`);
      return 1;
    }
    const now = new Date();
    const card = await buildScorecard(database.db, portal.id, period.data, now);
    console.log(values.json ? terminalJson(card) : terminalText(renderScorecardText(card)));
    if (values.out) {
      const metricsUrl = `${signedBaseUrl(loadConfig())}/metrics`;
      await writeFile(values.out, renderScorecardHtml(card, { portalName: portal.name, generatedAt: now.toISOString(), metricsUrl }));
      console.error(`wrote ${values.out}`);
    }
    if (values['history-out']) {
      const samples = decidedStepSamples(period.data, await listPeriodRequests(database.db, portal.id, period.data));
      await writeFile(values['history-out'], historyCsv(samples));
      console.error(`wrote ${samples.length} decided steps to ${values['history-out']}`);
    }
    return 0;
  } finally {
    await database.close();
  }
}
