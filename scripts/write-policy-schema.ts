// `npm run schema:update`: writes the policy's JSON Schema for editors; test/core keeps it current.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { policyJsonSchema } from '../src/index.js';

export const SCHEMA_PATH = fileURLToPath(new URL('../schemas/policy.schema.json', import.meta.url));

export function renderPolicySchema(): string {
  return `${JSON.stringify(policyJsonSchema(), null, 2)}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(SCHEMA_PATH, renderPolicySchema());
  console.log(`wrote ${SCHEMA_PATH}`);
}
