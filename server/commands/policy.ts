// `approval-router policy check FILE`: every problem in a policy with its path; exit 1 on any.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { parsePolicy } from '../../src/index.js';
import { cannotRead } from '../file-errors.js';
import { terminalLine } from '../terminal-text.js';

const USAGE = 'usage: approval-router policy check FILE';

export async function run(args: string[]): Promise<number> {
  let positionals: string[];
  try {
    positionals = parseArgs({ args, allowPositionals: true, options: {} }).positionals;
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const [action, file, ...rest] = positionals;
  if (action !== 'check' || file === undefined || rest.length > 0) {
    console.error(USAGE);
    return 2;
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    console.error(cannotRead(file, error, 'a policy file (YAML or JSON)'));
    return 2;
  }
  const result = parsePolicy(text);
  if (!result.ok) {
    for (const p of result.problems) console.log(terminalLine(`${file}: ${p.path || '(document)'}: ${p.message}`));
    console.log(`${result.problems.length} problem${result.problems.length === 1 ? '' : 's'}`);
    return 1;
  }
  const { policy, hash } = result;
  console.log(terminalLine(`${file}: ok: "${policy.name}", ${policy.scoring.factors.length} factors, ${policy.routes.length} routes, sha256 ${hash}`));
  return 0;
}
