// `approval-router route --policy FILE --deal FILE [--directory FILE] [--requester EMAIL] [--at ISO] [--json]`:
// one deal through one policy, printed with its score, every route tried, and the approvers with reasons.
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { DealSchema, DirectorySchema, evaluate, formatPath, parsePolicy, renderEvaluation, type Directory } from '../../src/index.js';
import { cannotRead } from '../file-errors.js';
import { terminalJson, terminalText } from '../terminal-text.js';
import { parseCommandArgs, usageError } from './parse-command-args.js';

const USAGE = 'usage: approval-router route --policy FILE --deal FILE [--directory FILE] [--requester EMAIL] [--at ISO-8601] [--json]';

export async function run(args: string[]): Promise<number> {
  const options = parseCommandArgs(args, {
    policy: { type: 'string' },
    deal: { type: 'string' },
    directory: { type: 'string' },
    requester: { type: 'string' },
    at: { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  }, USAGE);
  if (typeof options === 'number') return options;
  if (!options.policy || !options.deal) return usageError(`--policy and --deal are required`, USAGE);
  const policyText = await readText(options.policy, 'a policy file (YAML or JSON)');
  if (policyText === null) return 2;
  const policy = parsePolicy(policyText);
  if (!policy.ok) {
    console.error(`${options.policy}: the policy has ${policy.problems.length} problem(s); run \`approval-router policy check ${options.policy}\``);
    for (const p of policy.problems) console.error(terminalText(`  ${p.path || '(document)'}: ${p.message}`));
    return 2;
  }
  const deal = await readStructured(options.deal, DealSchema, 'a deal file (JSON or YAML, as the CRM API returns a deal)');
  if (deal === null) return 2;
  const directory: Directory | null = options.directory
    ? await readStructured(options.directory, DirectorySchema, 'a directory file (users and teams as YAML or JSON, such as examples/sales-deal-desk/directory.yaml)')
    : { users: [] };
  if (directory === null) return 2;
  // The core reads no clock: the command passes "now" in, so delegations apply as they would today.
  const at = options.at ?? new Date().toISOString();
  const output = evaluate({ deal, policy: policy.policy, directory, requester: options.requester ?? null, at });
  if (options.json) {
    console.log(terminalJson({ input: { dealId: deal.id, policy: policy.policy.name, requester: options.requester ?? null, at }, ...output }));
  } else {
    const name = deal.properties.dealname;
    console.log(terminalText(renderEvaluation(output, `Deal ${deal.id}${name ? ` "${name}"` : ''} through "${policy.policy.name}" at ${at}\n`)));
  }
  return 0;
}

async function readText(path: string, expected: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    console.error(cannotRead(path, error, expected));
    return null;
  }
}

/** A YAML or JSON file checked against its schema; every problem is printed with its path. */
async function readStructured<T>(path: string, schema: z.ZodType<T>, expected: string): Promise<T | null> {
  const text = await readText(path, expected);
  if (text === null) return null;
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (error) {
    console.error(`${path}: not valid YAML or JSON: ${(error as Error).message.split('\n')[0]}`);
    return null;
  }
  const parsed = schema.safeParse(doc);
  if (parsed.success) return parsed.data;
  console.error(`${path}:`);
  for (const issue of parsed.error.issues) console.error(terminalText(`  ${formatPath(issue.path) || '(document)'}: ${issue.message}`));
  return null;
}
