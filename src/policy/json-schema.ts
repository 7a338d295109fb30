// The policy's JSON Schema, for editors: written to schemas/policy.schema.json by `npm run schema:update`.
import { z } from 'zod';
import { POLICY_LIMITS } from './limits.js';
import { PolicySchema } from './schema.js';

const { documentBytes, documentDepth, conditions, conditionDepth } = POLICY_LIMITS;

export function policyJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(PolicySchema, { io: 'input', target: 'draft-2020-12' }),
    $id: 'https://approval-router.dev/schemas/policy.schema.json',
    title: 'approval-router policy',
    description: 'How a portal scores deals, picks an approval route and resolves approvers. Semantic rules (unknown roles, duplicate ids, quorums, catch-all, unreachable routes) are checked by `approval-router policy check`, as are the limits a schema cannot state: '
      + `at most ${documentBytes / 1024} KiB, nested at most ${documentDepth} levels, ${conditions} conditions across all routes, each route's \`when\` at most ${conditionDepth} levels deep.`,
  };
}
