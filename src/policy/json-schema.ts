// The policy's JSON Schema, for editors: written to schemas/policy.schema.json by `npm run schema:update`.
import { z } from 'zod';
import { PolicySchema } from './schema.js';

export function policyJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(PolicySchema, { io: 'input', target: 'draft-2020-12' }),
    $id: 'https://approval-router.dev/schemas/policy.schema.json',
    title: 'approval-router policy',
    description: 'How a portal scores deals, picks an approval route and resolves approvers. Semantic rules (unknown roles, duplicate ids, quorums, catch-all, unreachable routes) are checked by `approval-router policy check`.',
  };
}
