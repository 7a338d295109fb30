// The settings page's contract (issue 19): what the admin endpoints under /api/v1/admin take and answer beyond the
// card's (src/contract/card-api.ts). The server parses every input with these; the page and the tests read the
// answers with them. Answers are open objects: a field added later does not break a reader.
import { z } from 'zod';
import { DealId, IdempotencyKey, isStorableText } from './card-api.js';

const Text = (max: number) => z.string().trim().max(max, `at most ${max} characters`)
  .refine(isStorableText, 'contains a NUL character or a broken unicode sequence');
/** Why an admin does something the service would not do unasked: kept in the trace and the incident. */
const Reason = Text(2000).min(1, 'a reason is required');
const PolicySource = z.string().min(1, 'the policy text is empty').max(200_000, 'at most 200,000 characters');
const ExpectedActiveVersion = z.int().min(1).nullable();
const Iso = z.string();
const VersionNumber = z.int().min(1);
const VersionRef = z.object({ version: VersionNumber, name: z.string(), hash: z.string() });

// ---- inputs ---------------------------------------------------------------------------------------------

/**
 * POST /admin/policy/simulate: the draft through the portal's deals of the last 90 days, beside the active version.
 * `accept` accepts deals the draft cannot route, each with a reason; acceptances are kept for this draft (by its
 * hash) across runs, and the promotion gate counts an unroutable deal as settled once accepted.
 */
export const SimulateBody = z.strictObject({
  source: PolicySource,
  accept: z.array(z.strictObject({ dealId: DealId, reason: Reason })).max(500, 'at most 500 deals at a time').optional(),
});

/**
 * POST /admin/policy/versions/:version/activate. The promotion gate must pass (GET …/gate lists its steps), or
 * `override: true` with a `reason`. Re-activating a version posture rolled back for critical posture needs a
 * `reason` too (the answer then carries a warning).
 */
export const GatedActivateBody = z.strictObject({
  expectedActiveVersion: ExpectedActiveVersion,
  idempotencyKey: IdempotencyKey,
  override: z.boolean().optional(),
  reason: Reason.optional(),
}).refine((body) => body.override !== true || body.reason !== undefined, { message: 'an override needs a reason', path: ['reason'] });

/** POST /admin/policy/candidate/promote: the staged candidate through the same gate. */
export const GatedPromoteBody = z.strictObject({
  expectedActiveVersion: ExpectedActiveVersion.optional(),
  idempotencyKey: IdempotencyKey,
  override: z.boolean().optional(),
  reason: Reason.optional(),
}).refine((body) => body.override !== true || body.reason !== undefined, { message: 'an override needs a reason', path: ['reason'] });

/** POST /admin/policy/rollback: back to the last stable version (the default policy on a fresh install). */
export const RollbackBody = z.strictObject({
  reason: Reason,
  idempotencyKey: IdempotencyKey,
  /** The active version the admin saw (GET /admin/policy: `active.version`); another answers 409. */
  expectedActiveVersion: ExpectedActiveVersion,
});

/** GET /admin/posture/history */
export const PostureHistoryQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) });

/** GET /admin/incidents */
export const IncidentListQuery = z.object({
  kind: z.string().max(100).optional(),
  /** open (not resolved), resolved, or all (the default). */
  state: z.enum(['open', 'resolved', 'all']).default('all'),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});
export const IncidentParams = z.strictObject({ id: z.string().regex(/^\d{1,18}$/, 'an incident id (digits)') });

/** POST /admin/incidents/:id/resolve */
export const ResolveIncidentBody = z.strictObject({
  note: Text(2000).min(1, 'a note is required'),
  idempotencyKey: IdempotencyKey,
});

// ---- the promotion gate -----------------------------------------------------------------------------------

/**
 * The gate's steps, in the order the page shows them:
 * - `validated`: the version's text passes the validator as it is now (same hash);
 * - `simulated`: a simulation of this version (by hash) ran to the end on the portal's deals, recently;
 * - `routable`: that simulation left no deal unroutable, or each one was accepted with a reason;
 * - `shadow`: when the portal has enough traffic, the version ran in shadow (staged as the candidate) for the
 *   configured period, without critical posture and without its own shadow evaluations reaching critical;
 * - `reactivation`: the version was rolled back for critical posture: activating it again needs a reason.
 */
export const GateStepId = z.enum(['validated', 'simulated', 'routable', 'shadow', 'reactivation']);
export const GateStep = z.object({
  id: GateStepId,
  /** `not_required`: the step does not apply (too little traffic for a shadow run, a version never rolled back). */
  status: z.enum(['passed', 'missing', 'not_required']),
  /** One sentence for the page: what passed, or what is missing and how to get it. */
  message: z.string(),
  /** What the step was judged on (the simulation's hash and counts, the shadow window, the traffic). */
  evidence: z.record(z.string(), z.unknown()).optional(),
});
export const GateStatus = z.object({
  version: VersionNumber,
  hash: z.string(),
  /** True when every step passed or does not apply. */
  passed: z.boolean(),
  steps: z.array(GateStep),
  /** The ids of the steps with status `missing`. */
  missing: z.array(GateStepId),
  /** Said at once, even when the gate passes (re-activating a version posture rolled back). */
  warnings: z.array(z.string()),
  settings: z.object({ shadowHours: z.number(), shadowMinDeals: z.int(), trafficWindowDays: z.int(), simulationMaxAgeHours: z.number() }),
});
/**
 * A refused activation answers 409 with the usual error body; each missing step is one of its `details`, with
 * `path` = `gate.<step id>` and the step's message. GET …/gate has the whole picture.
 */
export const GATE_DETAIL_PREFIX = 'gate.';

export const VersionSummary = z.object({
  version: VersionNumber,
  name: z.string(),
  hash: z.string(),
  isActive: z.boolean(),
  createdBy: z.string(),
  createdAt: Iso,
  activatedBy: z.string().nullable(),
  activatedAt: Iso.nullable(),
  isCandidate: z.boolean(),
  /** When posture (or the install) last found it a version to return to; null when never. */
  stableAt: Iso.nullable(),
  rolledBackAt: Iso.nullable(),
  rolledBackReason: z.string().nullable(),
  /** `posture` when posture rolled it back for critical posture, else the admin's email. */
  rolledBackBy: z.string().nullable(),
  validatedAt: Iso.nullable(),
});

/** POST …/activate and POST …/candidate/promote, when the version changed (or was already active: `changed: false`). */
export const ActivateAnswer = z.object({
  version: VersionSummary,
  changed: z.boolean(),
  /** The gate as it was judged for this activation (absent when nothing changed). */
  gate: GateStatus.optional(),
  overridden: z.boolean(),
  /** The `gate_override` incident an override recorded. */
  incidentId: z.string().nullable(),
  warnings: z.array(z.string()),
  previous: VersionRef.nullable(),
});

/** POST …/candidate/promote answers as activate does, with the promoted version also as `active`. */
export const PromoteAnswer = ActivateAnswer.extend({
  active: VersionRef.extend({ activatedBy: z.string(), activatedAt: Iso }),
});

export const RollbackAnswer = z.object({
  active: VersionSummary,
  /** The version rolled back. */
  previous: VersionSummary,
  /** The `policy_rollback` incident. */
  incidentId: z.string(),
});

/** GET /admin/policy: the flag, the active version (with its text) and every version, newest first. */
export const PolicyOverview = z.object({
  featureFlag: z.enum(['off', 'shadow', 'on']),
  /** What PUT /admin/flag names as `expectedVersion`. */
  flagVersion: z.int(),
  active: VersionSummary.extend({ source: z.string(), document: z.unknown() }).nullable(),
  versions: z.array(VersionSummary),
  /** Where POST /admin/policy/rollback would go now: the last stable version other than the active one. */
  rollbackTarget: VersionRef.extend({ stableAt: Iso }).nullable(),
});

/** GET /admin/policy/candidate: what the staged candidate would change so far. */
export const CandidateSummary = z.object({
  candidate: VersionRef.extend({ stagedBy: z.string().nullable(), stagedAt: Iso.nullable() }),
  active: VersionRef.nullable(),
  evaluatedDeals: z.int(),
  disagreements: z.object({
    total: z.int(), deals: z.int(),
    byKind: z.object({ route: z.int(), approvers: z.int(), score: z.int(), error: z.int() }),
  }),
  agreementRate: z.number().nullable(),
  examples: z.array(z.object({ dealId: z.string(), kinds: z.array(z.string()) }).loose()),
});

/** GET /admin/posture: posture now (docs/delegation-and-rollout.md has the signals and thresholds). */
export const PostureAnswer = z.object({
  at: Iso,
  posture: z.enum(['healthy', 'degraded', 'critical']),
  reasons: z.array(z.string()),
  window: z.object({ since: Iso, until: Iso, minutes: z.number() }),
  signals: z.record(z.string(), z.unknown()).nullable(),
  active: z.object({ version: VersionNumber, hash: z.string(), activatedAt: Iso.nullable(), stableAt: Iso.nullable(), inProbation: z.boolean() }).loose().nullable(),
  rollbackTarget: z.object({ version: VersionNumber, hash: z.string(), stableAt: Iso.nullable() }).loose().nullable(),
});

/** GET /admin/delegations */
export const DelegationListAnswer = z.object({
  scope: z.enum(['portal', 'mine']),
  version: z.int(),
  delegations: z.array(z.object({
    id: z.string(), from: z.string(), fromName: z.string().nullable(), to: z.string(), toName: z.string().nullable(),
    startsAt: Iso, endsAt: Iso, status: z.enum(['upcoming', 'active', 'ended', 'revoked']),
    createdBy: z.string(), createdAt: Iso, revokedAt: Iso.nullable(), revokedBy: z.string().nullable(),
  })),
});

// ---- simulation -----------------------------------------------------------------------------------------

const CycleEstimate = z.object({
  p50Hours: z.number().nullable(),
  p90Hours: z.number().nullable(),
  steps: z.array(z.object({ step: z.string(), basis: z.enum(['route', 'step', 'none']), samples: z.int(), p50: z.number().nullable(), p90: z.number().nullable() })),
  complete: z.boolean(),
});
const OutcomeKind = z.enum(['routed', 'auto_approved', 'unroutable']);
/** One policy's run over the deals, as `simulate` reports it (src/simulate/simulate-policies.ts PolicyRun). */
export const PolicyRun = z.object({
  name: z.string(),
  hash: z.string(),
  deals: z.int(),
  score: z.object({ mean: z.number().nullable(), p50: z.number().nullable(), p90: z.number().nullable() }),
  routes: z.array(z.object({ routeId: z.string().nullable(), label: z.string().nullable(), outcome: OutcomeKind, deals: z.int(), share: z.number(), cycle: CycleEstimate.nullable() })),
  steps: z.array(z.object({ routeId: z.string(), stepId: z.string(), label: z.string().nullable(), deals: z.int() })),
  unroutable: z.array(z.object({ stepId: z.string().nullable(), reason: z.string(), deals: z.int() })),
  approverLoad: z.array(z.object({ approver: z.string(), requests: z.int(), steps: z.array(z.object({ routeId: z.string(), stepId: z.string(), deals: z.int() })) })),
  dataQuality: z.array(z.object({
    factorId: z.string(), property: z.string(), missing: z.int(), unparsable: z.int(), notListed: z.int(),
    examples: z.array(z.object({ value: z.string(), deals: z.int() })),
  })),
  expectedHoursPerDeal: z.number().nullable(),
});
const DealOutcome = z.object({ routeId: z.string().nullable(), outcome: OutcomeKind, score: z.number() });
export const PolicyDiff = z.object({
  compared: z.int(),
  routeChanged: z.int(),
  scoreChanged: z.int(),
  unchanged: z.int(),
  transitions: z.array(z.object({ from: z.string(), to: z.string(), deals: z.int() })),
  /** The first `changesShown` changed deals (the counts above cover them all). */
  changes: z.array(z.object({ id: z.string(), name: z.string().nullable(), baseline: DealOutcome, candidate: DealOutcome })),
});

export const SimulationAnswer = z.object({
  /** The draft, by its hash: a version saved from the same text is the one this simulation counts for. */
  policy: z.object({ name: z.string(), hash: z.string() }),
  /** The active version it was compared with, or null when none is active. */
  baseline: VersionRef.nullable(),
  ranAt: Iso,
  ranBy: z.string(),
  /** The deals' window: the last 90 days up to `until`. */
  window: z.object({ since: Iso, until: Iso, days: z.int() }),
  deals: z.object({
    /** Deals run through both policies. */
    simulated: z.int(),
    /** Where they came from: request snapshots, card evaluations, the demo CRM (deals counted once, newest wins). */
    sources: z.object({ requests: z.int(), evaluations: z.int(), localCrm: z.int() }),
    limit: z.int(),
    /** `deal_limit`: only the newest `limit` deals ran; `time_limit`: the run stopped at its time budget (the gate does not count it). */
    truncated: z.enum(['deal_limit', 'time_limit']).nullable(),
    elapsedMs: z.int(),
  }),
  /** Properties the draft's routing reads that no simulated deal carries (they were never read for these deals). */
  missingProperties: z.array(z.string()),
  /** Decided steps of the portal's requests in the window: what expected cycle times are estimated from. */
  historySamples: z.int(),
  result: z.object({ baseline: PolicyRun.nullable(), candidate: PolicyRun, diff: PolicyDiff.nullable() }),
  changesShown: z.int(),
  /** Deals the draft cannot route, each with why and whether it was accepted (the first 200; `total` counts all). */
  unroutableDeals: z.object({
    total: z.int(),
    accepted: z.int(),
    deals: z.array(z.object({
      dealId: z.string(), name: z.string().nullable(), stepId: z.string().nullable(), reason: z.string(),
      accepted: z.object({ reason: z.string(), by: z.string(), at: Iso }).nullable(),
    })),
  }),
  /** Acceptances sent that did not apply (the deal routes now, or was not in this run). */
  warnings: z.array(z.string()),
  /** The hash of `summary`, recorded with the version when it is activated. */
  summaryHash: z.string(),
  summary: z.object({
    deals: z.int(), routeChanged: z.int(), scoreChanged: z.int(), unroutable: z.int(), accepted: z.int(),
    truncated: z.enum(['deal_limit', 'time_limit']).nullable(), expectedHoursPerDeal: z.number().nullable(),
  }),
});

// ---- posture, admins, incidents ------------------------------------------------------------------------

export const Posture = z.enum(['healthy', 'degraded', 'critical']);
export const PostureTransition = z.object({
  id: z.string(),
  at: Iso,
  /** null for the first posture recorded for the portal. */
  from: Posture.nullable(),
  to: Posture,
  reasons: z.array(z.string()),
  /** The active version posture judged. */
  version: VersionNumber.nullable(),
});
export const PostureHistoryAnswer = z.object({ transitions: z.array(PostureTransition) });

/** GET /admin/admins: who may administer the app in this portal, and where each comes from. */
export const AdminsAnswer = z.object({
  installedBy: z.string().nullable(),
  /** portals.settings.admins */
  listed: z.array(z.string()),
  /** The portal's HubSpot super admins, as last read (cached briefly). */
  superAdmins: z.array(z.string()),
  superAdminsReadAt: Iso.nullable(),
  /** Why HubSpot's users could not be read (a missing scope), when they could not. */
  superAdminsError: z.string().nullable(),
});

export const IncidentSummary = z.object({
  id: z.string(),
  kind: z.string(),
  requestId: z.string().nullable(),
  dealId: z.string().nullable(),
  summary: z.string(),
  createdAt: Iso,
  resolvedAt: Iso.nullable(),
  resolvedBy: z.string().nullable(),
  resolutionNote: z.string().nullable(),
  /** The follow-up task queued for an incident left open (deal owner or escalation target), once per incident. */
  followUp: z.object({
    queuedAt: Iso,
    doneAt: Iso.nullable(),
    taskId: z.string().nullable(),
    assignedTo: z.string().nullable(),
    /** Why no task was made (the portal is not on, the deal is gone), when none was. */
    note: z.string().nullable(),
  }).nullable(),
});
export const IncidentListAnswer = z.object({ incidents: z.array(IncidentSummary) });
export const IncidentPacketAnswer = IncidentSummary.extend({ packet: z.unknown() });
export const ResolveIncidentAnswer = z.object({ incident: IncidentSummary, changed: z.boolean() });

export type SimulationAnswer = z.infer<typeof SimulationAnswer>;
export type GateStatus = z.infer<typeof GateStatus>;
export type GateStep = z.infer<typeof GateStep>;
export type GateStepId = z.infer<typeof GateStepId>;
export type VersionSummary = z.infer<typeof VersionSummary>;
export type ActivateAnswer = z.infer<typeof ActivateAnswer>;
export type PolicyOverview = z.infer<typeof PolicyOverview>;
export type PromoteAnswer = z.infer<typeof PromoteAnswer>;
export type RollbackAnswer = z.infer<typeof RollbackAnswer>;
export type PostureTransition = z.infer<typeof PostureTransition>;
export type IncidentSummary = z.infer<typeof IncidentSummary>;
export type AdminsAnswer = z.infer<typeof AdminsAnswer>;
