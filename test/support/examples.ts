// The example portals, loaded from examples/ the way the CLI loads them.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { DealSchema, DirectorySchema, parsePolicy, type Deal, type Directory, type Policy } from '../../src/index.js';

export const EXAMPLE_NAMES = ['sales-deal-desk', 'client-success'] as const;
export type ExampleName = (typeof EXAMPLE_NAMES)[number];

export interface Example {
  name: ExampleName;
  policy: Policy;
  policyHash: string;
  directory: Directory;
  deals: { file: string; deal: Deal }[];
}

const root = (path: string) => fileURLToPath(new URL(`../../examples/${path}`, import.meta.url));

export function policyPath(name: ExampleName): string {
  return root(`policies/${name}.yaml`);
}

export function loadExample(name: ExampleName): Example {
  const result = parsePolicy(readFileSync(policyPath(name), 'utf8'));
  if (!result.ok) throw new Error(`${name}: ${JSON.stringify(result.problems)}`);
  const directory = DirectorySchema.parse(parse(readFileSync(root(`${name}/directory.yaml`), 'utf8')));
  const deals = readdirSync(root(`${name}/deals`)).sort().map((file) => ({
    file,
    deal: DealSchema.parse(JSON.parse(readFileSync(root(`${name}/deals/${file}`), 'utf8'))),
  }));
  return { name, policy: result.policy, policyHash: result.hash, directory, deals };
}
