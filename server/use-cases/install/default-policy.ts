// The policy a newly installed portal starts with (a working deal-desk example the admin edits from the settings),
// read and validated once per process: a broken example fails the first install loudly, not silently.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parsePolicy } from '../../../src/policy/parse-policy.js';
import type { Policy } from '../../../src/policy/schema.js';

export const DEFAULT_POLICY_PATH = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../examples/policies/sales-deal-desk.yaml');

export interface DefaultPolicy {
  source: string;
  document: Policy;
  hash: string;
}

const loaded = new Map<string, Promise<DefaultPolicy>>();

export function loadDefaultPolicy(file = DEFAULT_POLICY_PATH): Promise<DefaultPolicy> {
  let policy = loaded.get(file);
  if (!policy) {
    policy = readPolicy(file);
    loaded.set(file, policy);
    policy.catch(() => loaded.delete(file));
  }
  return policy;
}

async function readPolicy(file: string): Promise<DefaultPolicy> {
  const source = await readFile(file, 'utf8');
  const parsed = parsePolicy(source);
  if (!parsed.ok) {
    throw new Error(`default policy ${file} is invalid: ${parsed.problems.map((p) => `${p.path || '(root)'}: ${p.message}`).join('; ')}`);
  }
  return { source, document: parsed.policy, hash: parsed.hash };
}
