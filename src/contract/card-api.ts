// The card API's contract: one zod schema per endpoint input, and the shapes of the answers.
// The server parses every body and query with these; the card's fixtures are checked against them in tests.
import { z } from 'zod';
import { EmailAddress, normaliseEmail } from '../directory/email.js';
import { parseInstant } from '../time.js';
import { Instant } from './instant.js';

export const IdempotencyKey = z.string().regex(/^[A-Za-z0-9_.:-]{8,128}$/, 'use 8 to 128 letters, digits or "_.:-"');
/** Text Postgres can store: no NUL character and no lone surrogate (both are refused by text and jsonb). */
export const isStorableText = (value: string) => !value.includes('\u0000') && value.isWellFormed();
const Text = (max: number) => z.string().trim().max(max, `at most ${max} characters`)
  .refine(isStorableText, 'contains a NUL character or a broken unicode sequence');
export const DealId = z.string().regex(/^\d{1,20}$/, 'a HubSpot deal id (digits)');
export const RequestId = z.uuid();

// ---- inputs ---------------------------------------------------------------------------------------------

export const DealParams = z.strictObject({ dealId: DealId });
export const RequestParams = z.strictObject({ requestId: RequestId });

export const RequestApprovalBody = z.strictObject({
  justification: Text(2000).min(1, 'a justification is required'),
  idempotencyKey: IdempotencyKey,
});

export const DecideBody = z.strictObject({
  verdict: z.enum(['approve', 'reject']),
  comment: Text(2000).optional(),
  idempotencyKey: IdempotencyKey,
  /** The request version the approver saw; a newer one answers 409. */
  expectedVersion: z.int().min(1).optional(),
}).refine((body) => body.verdict !== 'reject' || (body.comment ?? '').length > 0, {
  message: 'a comment is required to reject',
  path: ['comment'],
});

export const WithdrawBody = z.strictObject({
  reason: Text(2000).optional(),
  idempotencyKey: IdempotencyKey,
  expectedVersion: z.int().min(1).optional(),
});

// Admin writes take an idempotency key (a repeat of a request answers as the first did and changes nothing) and the
// version of what they change as the caller saw it (from the GET that showed it): a request made against an older
// version, such as a captured one replayed after the state moved on, answers 409 and changes nothing.

const PolicySource = z.string().min(1, 'the policy text is empty').max(200_000, 'at most 200,000 characters');
/** The version the admin believes is active now (null: none); another answers 409. */
const ExpectedActiveVersion = z.int().min(1).nullable();
const ExpectedVersion = z.int().min(1);

export const PolicySourceBody = z.strictObject({
  /** The policy as YAML or JSON text. */
  source: PolicySource,
});

export const SavePolicyBody = z.strictObject({
  source: PolicySource,
  idempotencyKey: IdempotencyKey,
  /** The active version the edit was made against (GET /admin/policy: `active.version`, null when none). */
  expectedActiveVersion: ExpectedActiveVersion,
});

export const ActivatePolicyParams = z.strictObject({ version: z.string().regex(/^[1-9]\d{0,8}$/, 'a policy version number').transform(Number) });
export const ActivatePolicyBody = z.strictObject({
  expectedActiveVersion: ExpectedActiveVersion,
  idempotencyKey: IdempotencyKey,
});
export const PromoteCandidateBody = z.strictObject({
  expectedActiveVersion: ExpectedActiveVersion.optional(),
});

/** For actions that take no input: anything sent is a mistake worth a 400. */
export const EmptyBody = z.strictObject({});

export const FeatureFlag = z.enum(['off', 'shadow', 'on']);
export const SetFlagBody = z.strictObject({
  flag: FeatureFlag,
  idempotencyKey: IdempotencyKey,
  /** The flag's version (GET /admin/policy: `flagVersion`). */
  expectedVersion: ExpectedVersion,
});

const delegationWindow = {
  from: EmailAddress.transform(normaliseEmail),
  to: EmailAddress.transform(normaliseEmail),
  startsAt: Instant,
  endsAt: Instant,
};

function checkWindow(body: { from: string; to: string; startsAt: string; endsAt: string }, ctx: z.RefinementCtx): void {
  if (body.from === body.to) ctx.addIssue({ code: 'custom', path: ['to'], message: 'a delegate must be someone other than the approver' });
  const starts = parseInstant(body.startsAt);
  const ends = parseInstant(body.endsAt);
  if (starts !== null && ends !== null && ends <= starts) ctx.addIssue({ code: 'custom', path: ['endsAt'], message: 'the window must end after it starts' });
}

/** An away window: while it lasts, `from`'s approvals go to `to` (one hop). */
export const DelegationWindow = z.strictObject(delegationWindow).superRefine(checkWindow);
export const DelegationBody = z.strictObject({
  ...delegationWindow,
  idempotencyKey: IdempotencyKey,
  /** The version of the portal's delegations (GET /admin/delegations: `version`). */
  expectedVersion: ExpectedVersion,
}).superRefine(checkWindow);
export const DelegationParams = z.strictObject({ id: z.uuid() });
/** Revoking is a DELETE: its key and version travel in the (signed) query, beside the identity HubSpot appends. */
export const RevokeDelegationQuery = z.object({
  idempotencyKey: IdempotencyKey,
  expectedVersion: z.string().regex(/^[1-9]\d{0,8}$/, 'a version number').transform(Number),
});
export const DelegationListQuery = z.object({
  /** Include ended and revoked windows (the default lists only those still to come or running). */
  all: z.enum(['true', 'false']).optional(),
});

/** HubSpot appends portalId, userId, userEmail and appId; the card sends the first three too. */
export const SignedQuery = z.object({
  portalId: z.union([z.string(), z.array(z.string())]),
  userId: z.union([z.string(), z.array(z.string())]),
  userEmail: z.union([z.string(), z.array(z.string())]),
  appId: z.union([z.string(), z.array(z.string())]).optional(),
});

// ---- answers --------------------------------------------------------------------------------------------

export const FactorView = z.object({
  id: z.string(),
  label: z.string(),
  property: z.string(),
  value: z.string().nullable(),
  status: z.enum(['scored', 'missing', 'unparsable', 'unmatched']),
  points: z.number(),
  detail: z.string(),
});

export const ScoreView = z.object({ value: z.number().int().min(0).max(100), factors: z.array(FactorView), notes: z.array(z.string()) });

export const ApproverView = z.object({
  email: z.string(),
  name: z.string().nullable(),
  reason: z.string(),
  delegatedFrom: z.string().nullable(),
});

export const StepPreview = z.object({
  id: z.string(),
  label: z.string(),
  mode: z.enum(['any', 'all', 'quorum']),
  required: z.int(),
  slaHours: z.number(),
  approvers: z.array(ApproverView),
  notes: z.array(z.string()),
});

export const ConditionView = z.object({ routeId: z.string(), matched: z.boolean(), explanation: z.string() });

export const RoutePreview = z.object({
  outcome: z.enum(['routed', 'auto_approved', 'unroutable']),
  routeId: z.string().nullable(),
  routeLabel: z.string().nullable(),
  reason: z.string().nullable(),
  tried: z.array(ConditionView),
  steps: z.array(StepPreview),
});

export const RequestState = z.enum(['pending', 'approved', 'rejected', 'withdrawn', 'invalidated', 'auto_approved']);
export const StepStatus = z.enum(['waiting', 'active', 'approved', 'rejected', 'skipped']);

export const DecisionView = z.object({
  approver: z.string(),
  approverName: z.string().nullable(),
  onBehalfOf: z.string().nullable(),
  verdict: z.enum(['approve', 'reject']),
  comment: z.string().nullable(),
  decidedAt: z.string(),
});

export const StepView = z.object({
  index: z.int(),
  id: z.string(),
  label: z.string(),
  mode: z.enum(['any', 'all', 'quorum']),
  required: z.int(),
  status: StepStatus,
  slaHours: z.number(),
  startedAt: z.string().nullable(),
  dueAt: z.string().nullable(),
  /** When the step passed its SLA and was escalated (the request still waits on its approvers). */
  escalatedAt: z.string().nullable().optional(),
  approvers: z.array(z.string()),
  waitingOn: z.array(z.string()),
  decisions: z.array(DecisionView),
});

export const RequestView = z.object({
  id: z.string(),
  dealId: z.string(),
  state: RequestState,
  version: z.int(),
  requester: z.string(),
  justification: z.string(),
  score: z.number(),
  routeId: z.string(),
  policyVersion: z.int(),
  createdAt: z.string(),
  closedAt: z.string().nullable(),
  currentStepIndex: z.int().nullable(),
  steps: z.array(StepView),
  outcomeNote: z.string().nullable(),
});

export const ViewerRole = z.enum(['requester', 'owner', 'approver', 'admin']);

export const CardView = z.object({
  portalId: z.string(),
  dealId: z.string(),
  dealName: z.string().nullable(),
  mode: FeatureFlag,
  policy: z.object({
    version: z.int(),
    name: z.string(),
    hash: z.string(),
    /** Set when posture rolled a failing version back automatically and this version is in force instead. */
    rolledBackFrom: z.object({ version: z.int(), at: z.string(), reason: z.string() }).nullable().optional(),
  }).nullable(),
  viewer: z.object({ email: z.string(), userId: z.string(), roles: z.array(ViewerRole) }),
  score: ScoreView.nullable(),
  preview: RoutePreview.nullable(),
  request: RequestView.nullable(),
  actions: z.object({ request: z.boolean(), withdraw: z.boolean(), decide: z.boolean() }),
  /** Why an action is not offered, for the card to say so plainly. */
  notices: z.array(z.string()),
  traceHash: z.string().nullable(),
});

export const RequestAnswer = z.object({ request: RequestView, traceHash: z.string() });

export const InboxItem = z.object({
  requestId: z.string(),
  dealId: z.string(),
  dealName: z.string().nullable(),
  requester: z.string(),
  stepLabel: z.string(),
  dueAt: z.string().nullable(),
  score: z.number(),
  routeId: z.string(),
  createdAt: z.string(),
});
export const InboxAnswer = z.object({ items: z.array(InboxItem) });

export const ErrorAnswer = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    requestId: z.string().optional(),
  }),
});

export type CardView = z.infer<typeof CardView>;
export type RequestView = z.infer<typeof RequestView>;
export type StepView = z.infer<typeof StepView>;
export type RoutePreview = z.infer<typeof RoutePreview>;
export type ScoreView = z.infer<typeof ScoreView>;
export type InboxItem = z.infer<typeof InboxItem>;
export type ViewerRole = z.infer<typeof ViewerRole>;
