// The policy document: how a portal scores deals, picks a route and resolves approvers.
// Shape only; the checks that need the whole document (unknown roles, duplicates, shadowed routes)
// live in semantic-checks.ts so every problem is reported at once with its path.
import { z } from 'zod';
import { EmailAddress } from '../directory/email.js';
import { measureCondition, POLICY_LIMITS } from './limits.js';

const Id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'use letters, digits, "_", "-" or "." (starting with a letter or digit)');
const Email = EmailAddress;
const { listItems } = POLICY_LIMITS;
const Emails = z.array(Email).max(listItems);
// A record drops a "__proto__" key (zod never assigns it), so a name that would need one is refused instead.
const PropertyName = z.string().min(1).refine((name) => name !== '__proto__', '"__proto__" is not a property name');

/** A map with at most `listItems` entries. */
function limitedRecord<K extends z.core.$ZodRecordKey, V extends z.ZodType>(key: K, value: V) {
  return z.record(key, value)
    .refine((map) => Object.keys(map).length <= listItems, `at most ${listItems} entries`)
    .meta({ maxProperties: listItems });
}
const Points = z.int().min(-100).max(100);

export const BandSchema = z.strictObject({
  from: z.number().describe('The band applies from this value (inclusive).'),
  points: Points,
});

export const FactorSchema = z.strictObject({
  id: Id,
  label: z.string().optional(),
  property: PropertyName,
  /** Numeric property: the highest band whose `from` is at most the value scores. */
  bands: z.array(BandSchema).min(1).max(listItems).optional().describe('Numeric property: the highest band whose `from` is at most the value scores its points.'),
  /** Enumeration property: points by exact internal value. */
  values: limitedRecord(z.string(), Points).optional().describe('Enumeration property: points by exact internal value.'),
}).refine((f) => (f.bands === undefined) !== (f.values === undefined), {
  message: 'a factor has either "bands" or "values", not both and not neither',
});

const Range = {
  /** Inclusive lower bound. */
  from: z.number().optional().describe('Inclusive lower bound.'),
  /** Exclusive upper bound. */
  below: z.number().optional().describe('Exclusive upper bound.'),
};

export const ScoreTestSchema = z.strictObject(Range).refine((r) => r.from !== undefined || r.below !== undefined, {
  message: 'a score test needs "from" or "below"',
});

export const PropertyConditionSchema = z.strictObject({
  property: PropertyName,
  ...Range,
  equals: z.string().optional().describe('The property equals this internal value.'),
  in: z.array(z.string()).min(1).max(listItems).optional().describe('The property is one of these internal values.'),
  exists: z.boolean().optional().describe('The property has a value (true) or has none (false).'),
}).refine((c) => [c.from ?? c.below, c.equals, c.in, c.exists].filter((x) => x !== undefined).length === 1, {
  message: 'a property condition needs exactly one test: "from"/"below", "equals", "in" or "exists"',
});

export type Condition =
  | { always: true }
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition }
  | { score: z.infer<typeof ScoreTestSchema> }
  | z.infer<typeof PropertyConditionSchema>;

export const ConditionSchema: z.ZodType<Condition> = z.lazy(() => z.union([
  z.strictObject({ always: z.literal(true) }),
  z.strictObject({ all: z.array(ConditionSchema).max(POLICY_LIMITS.conditions) }),
  z.strictObject({ any: z.array(ConditionSchema).min(1).max(POLICY_LIMITS.conditions) }),
  z.strictObject({ not: ConditionSchema }),
  z.strictObject({ score: ScoreTestSchema }),
  PropertyConditionSchema,
]));

/** Who may approve a step. `fallback` is tried when the source leaves too few eligible approvers. */
const fallback = { fallback: Emails.optional().describe('Tried when the source leaves too few eligible approvers.') };
export const ApproverSourceSchema = z.union([
  z.strictObject({ users: Emails.min(1), ...fallback }),
  z.strictObject({ team: z.string().min(1), ...fallback }),
  z.strictObject({ role: Id, ...fallback }),
  z.strictObject({ ownerManager: z.literal(true), ...fallback }),
]);

export const StepSchema = z.strictObject({
  id: Id,
  label: z.string().optional(),
  approvers: ApproverSourceSchema,
  mode: z.enum(['any', 'all', 'quorum']).describe('any: one approval; all: every approver; quorum: `quorum` approvals.'),
  quorum: z.int().min(1).optional().describe('Approvals needed with mode quorum.'),
  slaHours: z.number().min(0.25, 'at least 0.25 (15 minutes)').max(24 * 365).describe('Hours before the step escalates: fractions allowed (0.5 is 30 minutes), at least 0.25.'),
}).refine((s) => (s.mode === 'quorum') === (s.quorum !== undefined), {
  message: '"quorum" is required with mode quorum and only allowed there',
  path: ['quorum'],
});

export const RouteSchema = z.strictObject({
  id: Id,
  label: z.string().optional(),
  when: ConditionSchema.describe('Routes are tried in order; the first whose condition holds wins.'),
  steps: z.array(StepSchema).min(1).max(POLICY_LIMITS.stepsPerRoute).optional(),
  autoApprove: z.literal(true).optional().describe('Deals on this route need no human approval.'),
}).refine((r) => (r.steps === undefined) !== (r.autoApprove === undefined), {
  message: 'a route has either "steps" or "autoApprove: true"',
});

export const RoleSchema = z.strictObject({
  /** Approvers by the deal owner's primary team. */
  byTeam: limitedRecord(z.string(), Emails.min(1)).optional(),
  fallback: Emails.optional(),
});

export const GateSchema = z.strictObject({
  pipeline: z.string().min(1),
  stages: z.array(z.string().min(1)).min(1).max(listItems),
});

/** How the rep hears that their request ended when nothing says otherwise: a task lands in their queue, a note only on the deal. */
export const DEFAULT_TELL_REP_BY = 'task' as const;

export const NotificationsSchema = z.strictObject({
  tellRepBy: z.enum(['task', 'note']).default(DEFAULT_TELL_REP_BY)
    .describe('How the rep hears that their request ended (approved, rejected, invalidated): a HubSpot task assigned to them, or a note on the deal\'s timeline.'),
});

export const PolicySchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  scoring: z.strictObject({ factors: z.array(FactorSchema).max(POLICY_LIMITS.factors) }),
  routes: z.array(RouteSchema).min(1).max(POLICY_LIMITS.routes),
  roles: limitedRecord(Id, RoleSchema).optional().describe('Approver roles, resolved by the deal owner\'s primary team.'),
  materialProperties: z.array(PropertyName).max(listItems).optional().describe('A change to one of these re-assesses a pending or approved request.'),
  gates: z.array(GateSchema).max(listItems).optional().describe('Stages a deal may not enter without a valid approval.'),
  escalation: z.strictObject({ to: ApproverSourceSchema }).optional().describe('Who gets a step that passed its SLA.'),
  notifications: NotificationsSchema.optional().describe('How people are told in HubSpot.'),
}).superRefine((policy, ctx) => {
  // What a list's own limit cannot see: how deep conditions nest, and how many all the routes hold together.
  let total = 0;
  let counted = false;
  policy.routes.forEach((route, r) => {
    const { count, tooDeep } = measureCondition(route.when);
    if (tooDeep) ctx.addIssue({ code: 'custom', path: ['routes', r, 'when', ...tooDeep], message: `conditions nest at most ${POLICY_LIMITS.conditionDepth} levels deep` });
    total += count;
    if (total > POLICY_LIMITS.conditions && !counted) {
      counted = true;
      ctx.addIssue({ code: 'custom', path: ['routes', r, 'when'], message: `the routes hold more than ${POLICY_LIMITS.conditions} conditions in all (each all, any and not counts as one)` });
    }
  });
});

export type Policy = z.infer<typeof PolicySchema>;
export type Factor = z.infer<typeof FactorSchema>;
export type Route = z.infer<typeof RouteSchema>;
export type Step = z.infer<typeof StepSchema>;
export type ApproverSource = z.infer<typeof ApproverSourceSchema>;
export type Role = z.infer<typeof RoleSchema>;
export type PropertyCondition = z.infer<typeof PropertyConditionSchema>;

/** How this policy tells the rep a request ended, its default filled in. */
export function tellRepBy(policy: Pick<Policy, 'notifications'>): 'task' | 'note' {
  return policy.notifications?.tellRepBy ?? DEFAULT_TELL_REP_BY;
}
