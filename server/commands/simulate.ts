// `approval-router simulate --deals FILE --policy NEW [--baseline CURRENT] [--history FILE] [--directory FILE]
// [--map 'Label=property,...'] [--at ISO] [--limit N] [--json]`: a HubSpot deals export through one or two
// policies, before activating the new one. Bad rows are listed with their line numbers and skipped.
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { DirectorySchema, formatPath, parsePolicy, parseInstant, type Directory, type Policy } from '../../src/index.js';
import { missingProperties } from '../../src/simulate/coverage.js';
import { parseColumnMap } from '../../src/simulate/export-columns.js';
import { createSimulation } from '../../src/simulate/simulate-policies.js';
import { cannotRead } from '../file-errors.js';
import { ExportFileError, streamExportFile } from '../simulate/read-export-file.js';
import { readHistoryFile } from '../simulate/read-history-file.js';
import { printSimulation, type SimulationReport } from '../simulate/print-simulation.js';
import { terminalJson, terminalText } from '../terminal-text.js';
import { parseCommandArgs, usageError } from './parse-command-args.js';

const USAGE = `usage: approval-router simulate --deals FILE --policy NEW [--baseline CURRENT] [--history FILE]
                               [--directory FILE] [--map 'Label=property,...'] [--at ISO-8601] [--limit N] [--json]

  --deals      a HubSpot deals export: CSV with HubSpot's column labels ("Record ID", "Deal Name", "Amount",
               "Deal owner", ...) or JSONL of {"id": "...", "properties": {...}}
  --policy     the policy to try (YAML or JSON)
  --baseline   the policy in force, to list the deals whose route or score would change
  --history    past decided steps (CSV "route,step,hours" or JSONL), for estimated cycle times;
               \`approval-router report --history-out FILE\` writes one
  --directory  a file of users, teams and managers (as examples/sales-deal-desk/directory.yaml) to resolve approvers
  --map        custom column labels: 'Discount (%)=discount_percent,Payment terms=payment_terms' (repeatable)
  --at         the instant delegations are judged at (default: now)
  --limit      changed deals listed in the text output (default 25)
  --json       print the whole result as JSON`;

export async function run(args: string[]): Promise<number> {
  const values = parseCommandArgs(args, {
    deals: { type: 'string' },
    policy: { type: 'string' },
    baseline: { type: 'string' },
    history: { type: 'string' },
    directory: { type: 'string' },
    map: { type: 'string', multiple: true },
    at: { type: 'string' },
    limit: { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  }, USAGE);
  if (typeof values === 'number') return values;
  if (!values.deals || !values.policy) return usageError(`--deals and --policy are required`, USAGE);
  const limit = values.limit === undefined ? 25 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 0) {
    console.error('--limit takes a whole number');
    return 2;
  }
  // The core reads no clock: delegations are judged at --at, or now.
  const at = values.at ?? new Date().toISOString();
  if (parseInstant(at) === null) {
    console.error('--at takes an ISO 8601 instant with an offset, e.g. 2026-11-27T09:00:00Z');
    return 2;
  }
  const map = parseColumnMap(values.map ?? []);
  if (map.errors.length) {
    for (const error of map.errors) console.error(error);
    return 2;
  }

  const candidate = await loadPolicy(values.policy);
  const baseline = values.baseline ? await loadPolicy(values.baseline) : null;
  const directory = values.directory ? await loadDirectory(values.directory) : { users: [] };
  if (candidate === null || baseline === null && values.baseline || directory === null) return 2;

  // The history comes after the deals, as before: a bad deals file is the problem reported first.
  const simulation = createSimulation({ candidate, baseline, directory, at });
  let read;
  let history = null;
  try {
    read = await streamExportFile(values.deals, { map: map.map, directory }, (deal) => { simulation.add(deal); });
    history = values.history ? await readHistoryFile(values.history) : null;
  } catch (error) {
    if (error instanceof ExportFileError) {
      console.error(terminalText(`${values.deals}: ${error.message}`));
      return 2;
    }
    throw error;
  }

  const result = simulation.finish(history?.samples ?? null);
  const report: SimulationReport = {
    input: {
      file: values.deals,
      format: read.format,
      rows: read.rows,
      deals: read.dealCount,
      badRows: read.badRows,
      columns: read.columns,
      ignoredColumns: read.ignoredColumns,
      warnings: read.warnings,
      unresolvedOwners: read.unresolvedOwners,
      missingProperties: { baseline: baseline ? missingProperties(baseline, read.provided) : [], candidate: missingProperties(candidate, read.provided) },
      directory: values.directory ?? null,
      at,
    },
    history: history && values.history ? { file: values.history, samples: history.samples.length, badRows: history.badRows } : null,
    ...result,
  };
  console.log(values.json ? terminalJson(report) : printSimulation(report, { limit }));
  if (read.dealCount === 0) {
    console.error(`${values.deals}: no deal could be read`);
    return 1;
  }
  return 0;
}

async function readText(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    console.error(cannotRead(path, error));
    return null;
  }
}

async function loadPolicy(path: string): Promise<Policy | null> {
  const text = await readText(path);
  if (text === null) return null;
  const parsed = parsePolicy(text);
  if (parsed.ok) return parsed.policy;
  console.error(`${path}: the policy has ${parsed.problems.length} problem(s):`);
  for (const p of parsed.problems) console.error(terminalText(`  ${p.path || '(document)'}: ${p.message}`));
  return null;
}

async function loadDirectory(path: string): Promise<Directory | null> {
  const text = await readText(path);
  if (text === null) return null;
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (error) {
    console.error(`${path}: not valid YAML or JSON: ${(error as Error).message.split('\n')[0]}`);
    return null;
  }
  const parsed = DirectorySchema.safeParse(doc);
  if (parsed.success) return parsed.data;
  console.error(`${path}:`);
  for (const issue of parsed.error.issues) console.error(terminalText(`  ${formatPath(issue.path) || '(document)'}: ${issue.message}`));
  return null;
}
