// What the fake service answers the settings page with. Each answer is typed by the service's own schema
// (src/contract/settings-api.ts, card-api.ts) where it has one, and settings-contract.test.ts parses every one of
// them, so a fixture the service could not send fails there.
import type { z } from 'zod';
import type * as notificationContract from '../../src/contract/notification-settings.js';
import type * as scorecardContract from '../../src/contract/scorecard.js';
import type * as contract from '../../src/contract/settings-api.js';
import type * as slackContract from '../../src/contract/slack.js';
import type * as page from '../../extensions/app/settings/settings-types.js';

export const ADMIN = { email: 'ada.admin@acme.example', userId: '710' };
export const SEEKER = { email: 'rita.rep@acme.example', userId: '701' };

const HASH_1 = 'a1'.repeat(32);
const HASH_2 = 'b2'.repeat(32);
const HASH_3 = 'c3'.repeat(32);

export const ACTIVE_SOURCE = 'name: Default approvals\nversion: 1\nroutes: []\n';
export const DRAFT_SOURCE = 'name: Stricter discounts\nversion: 1\nroutes: []\n';

const version = (overrides: Partial<contract.VersionSummary>): contract.VersionSummary => ({
  version: 1, name: 'Default approvals', hash: HASH_1, isActive: false, createdBy: 'install', createdAt: '2026-11-01T09:00:00.000Z',
  activatedBy: null, activatedAt: null, isCandidate: false, stableAt: null, rolledBackAt: null, rolledBackReason: null,
  rolledBackBy: null, validatedAt: '2026-11-01T09:00:00.000Z', ...overrides,
});

const v1 = version({ stableAt: '2026-11-01T09:00:00.000Z', activatedBy: 'install', activatedAt: '2026-11-01T09:00:00.000Z' });
const v2 = version({
  version: 2, name: 'Regional finance', hash: HASH_2, isActive: true, createdBy: ADMIN.email, createdAt: '2026-11-20T14:00:00.000Z',
  activatedBy: ADMIN.email, activatedAt: '2026-11-21T10:00:00.000Z', stableAt: '2026-11-22T10:00:00.000Z',
});
const v3 = version({
  version: 3, name: 'Stricter discounts', hash: HASH_3, createdBy: ADMIN.email, createdAt: '2026-12-01T08:00:00.000Z', isCandidate: true,
});

type Overview = z.infer<typeof contract.PolicyOverview>;

export const overviews = {
  /** Version 2 active and stable, version 3 staged, version 1 (the install's default) to roll back to. */
  running: {
    featureFlag: 'shadow', flagVersion: 4,
    active: { ...v2, source: ACTIVE_SOURCE, document: { name: 'Regional finance' } },
    versions: [v3, v2, v1],
    rollbackTarget: { version: 1, name: 'Default approvals', hash: HASH_1, stableAt: '2026-11-01T09:00:00.000Z' },
  },
  /** A portal with no version saved and nothing active. */
  empty: { featureFlag: 'off', flagVersion: 0, active: null, versions: [], rollbackTarget: null },
} satisfies Record<string, Overview>;

export const validations = {
  valid: { valid: true, hash: HASH_3, name: 'Stricter discounts', problems: [] },
  invalid: {
    valid: false, hash: null, name: null,
    problems: [
      { path: 'routes[0].steps[1].quorum', message: 'must be at most the number of approvers (2)' },
      { path: '', message: 'the policy names no route for deals under 10,000' },
    ],
  },
} satisfies Record<string, page.ValidateAnswer>;

export const saved = { version: { version: 3, name: 'Stricter discounts', hash: HASH_3 }, created: true } satisfies page.SaveAnswer;

const run = (name: string, hash: string, load: number): z.infer<typeof contract.PolicyRun> => ({
  name, hash, deals: 40, score: { mean: 41.5, p50: 40, p90: 72 },
  routes: [{ routeId: 'finance', label: 'Finance review', outcome: 'routed', deals: 30, share: 0.75, cycle: { p50Hours: 0.5, p90Hours: 6, steps: [], complete: true } }],
  steps: [{ routeId: 'finance', stepId: 'cfo', label: 'CFO', deals: 30 }],
  unroutable: [],
  approverLoad: [{ approver: 'fin.one@acme.example', requests: load, steps: [] }],
  dataQuality: [],
  expectedHoursPerDeal: 5.5,
});

export const simulations = {
  withUnroutable: {
    policy: { name: 'Stricter discounts', hash: HASH_3 },
    baseline: { version: 2, name: 'Regional finance', hash: HASH_2 },
    ranAt: '2026-12-03T12:00:00.000Z', ranBy: ADMIN.email,
    window: { since: '2026-09-04T12:00:00.000Z', until: '2026-12-03T12:00:00.000Z', days: 90 },
    deals: { simulated: 40, sources: { requests: 25, evaluations: 15, localCrm: 0 }, limit: 5000, truncated: null, elapsedMs: 812 },
    missingProperties: [],
    historySamples: 120,
    result: {
      baseline: run('Regional finance', HASH_2, 18),
      candidate: run('Stricter discounts', HASH_3, 26),
      diff: {
        compared: 40, routeChanged: 6, scoreChanged: 9, unchanged: 31,
        transitions: [{ from: 'sales', to: 'finance', deals: 6 }],
        changes: [{ id: '123', name: 'Acme renewal', baseline: { routeId: 'sales', outcome: 'routed', score: 30 }, candidate: { routeId: 'finance', outcome: 'routed', score: 55 } }],
      },
    },
    changesShown: 1,
    unroutableDeals: {
      total: 1, accepted: 0,
      deals: [{ dealId: '987', name: 'Globex pilot', stepId: null, reason: 'no route matches amount 0', accepted: null }],
    },
    warnings: [],
    summaryHash: 'd4'.repeat(32),
    summary: { deals: 40, routeChanged: 6, scoreChanged: 9, unroutable: 1, accepted: 0, truncated: null, expectedHoursPerDeal: 5.5 },
  },
} satisfies Record<string, z.infer<typeof contract.SimulationAnswer>>;

const step = (id: contract.GateStepId, status: contract.GateStep['status'], message: string): contract.GateStep => ({ id, status, message });
const gateSettings = { shadowHours: 72, shadowMinDeals: 20, trafficWindowDays: 14, simulationMaxAgeHours: 24 };

export const gates = {
  blocked: {
    version: 3, hash: HASH_3, passed: false,
    steps: [
      step('validated', 'passed', 'The text validates as saved.'),
      step('simulated', 'missing', 'No simulation of this version ran on the portal’s deals in the last 24 hours.'),
      step('routable', 'missing', 'Simulate it first: the gate counts the deals it cannot route.'),
      step('shadow', 'not_required', 'The portal had 3 deals in 14 days, fewer than 20: no shadow run is required.'),
      step('reactivation', 'not_required', 'Never rolled back.'),
    ],
    missing: ['simulated', 'routable'], warnings: [], settings: gateSettings,
  },
  /** Version 1 was rolled back for critical posture: every other step passed, activating it again needs a reason. */
  reactivation: {
    version: 1, hash: HASH_1, passed: false,
    steps: [
      step('validated', 'passed', 'The text validates as saved.'),
      step('simulated', 'passed', 'Simulated on 40 deals at 12:00.'),
      step('routable', 'passed', 'Every deal routes.'),
      step('shadow', 'not_required', 'Too little traffic for a shadow run.'),
      step('reactivation', 'missing', 'Posture rolled this version back for critical posture on Nov 30: say why it is safe again.'),
    ],
    missing: ['reactivation'], warnings: ['Version 1 was rolled back by posture for critical posture.'], settings: gateSettings,
  },
  passed: {
    version: 3, hash: HASH_3, passed: true,
    steps: [
      step('validated', 'passed', 'The text validates as saved.'),
      step('simulated', 'passed', 'Simulated on 40 deals at 12:00.'),
      step('routable', 'passed', 'Every deal routes.'),
      step('shadow', 'passed', 'Ran in shadow for 80 hours on 31 deals without critical posture.'),
      step('reactivation', 'not_required', 'Never rolled back.'),
    ],
    missing: [], warnings: [], settings: gateSettings,
  },
} satisfies Record<string, contract.GateStatus>;

export const activations = {
  overridden: {
    version: { ...v3, isActive: true, isCandidate: false, activatedBy: ADMIN.email, activatedAt: '2026-12-03T12:05:00.000Z' },
    changed: true, overridden: true, incidentId: '77', warnings: [],
    previous: { version: 2, name: 'Regional finance', hash: HASH_2 },
  },
  throughTheGate: {
    version: { ...v3, isActive: true, isCandidate: false, activatedBy: ADMIN.email, activatedAt: '2026-12-03T12:05:00.000Z' },
    changed: true, overridden: false, incidentId: null, warnings: [],
    previous: { version: 2, name: 'Regional finance', hash: HASH_2 },
  },
} satisfies Record<string, contract.ActivateAnswer>;

export const candidates = {
  staged: {
    candidate: { version: 3, name: 'Stricter discounts', hash: HASH_3, stagedBy: ADMIN.email, stagedAt: '2026-12-01T09:00:00.000Z' },
    active: { version: 2, name: 'Regional finance', hash: HASH_2 },
    evaluatedDeals: 31,
    disagreements: { total: 4, deals: 3, byKind: { route: 3, approvers: 1, score: 0, error: 0 } },
    agreementRate: 0.903,
    examples: [{
      dealId: '123', kinds: ['route', 'approvers'], source: 'card', seen: 3, firstAt: '2026-12-02T09:00:00.000Z', lastAt: '2026-12-02T10:00:00.000Z',
      before: { score: 30, routeId: 'sales', outcome: 'routed', steps: [{ id: 'manager', approvers: ['anna.manager@acme.example'] }] },
      after: { score: 55, routeId: 'finance', outcome: 'routed', steps: [{ id: 'cfo', approvers: ['fin.one@acme.example'] }] },
    }],
  },
} satisfies Record<string, z.infer<typeof contract.CandidateSummary>>;

/** The service's refusal of a gated activation: 409, one detail per missing step (contract.GATE_DETAIL_PREFIX). */
export const gateRefusal = {
  error: {
    code: 'conflict',
    message: 'The promotion gate refuses version 3: 2 steps are missing.',
    details: [
      { path: 'gate.simulated', message: 'No simulation of this version ran on the portal’s deals in the last 24 hours.' },
      { path: 'gate.routable', message: 'Simulate it first: the gate counts the deals it cannot route.' },
    ],
    requestId: 'req-gate-1',
  },
};

export const errors = {
  notAdmin: { error: { code: 'forbidden', message: 'Only the portal’s super admins and the admins listed in settings administer Approval Router.' } },
  notInstalled: { error: { code: 'not_found', message: 'Portal 4242 has not installed Approval Router.' } },
  unavailable: { error: { code: 'unavailable', message: 'The service cannot reach its database right now. Try again in a minute.', requestId: 'req-503' } },
};

// ---- rollout ----------------------------------------------------------------------------------------------------

export const postures = {
  degraded: {
    at: '2026-12-03T12:00:00.000Z', posture: 'degraded',
    reasons: ['SLA breaches: 3 of 20 decided steps (15%) over the 10% bound'],
    window: { since: '2026-12-03T11:00:00.000Z', until: '2026-12-03T12:00:00.000Z', minutes: 60 },
    signals: { slaBreachRate: 0.15 },
    active: { version: 2, hash: HASH_2, activatedAt: '2026-11-21T10:00:00.000Z', stableAt: '2026-11-22T10:00:00.000Z', inProbation: false },
    rollbackTarget: { version: 1, hash: HASH_1, stableAt: '2026-11-01T09:00:00.000Z' },
  },
} satisfies Record<string, z.infer<typeof contract.PostureAnswer>>;

export const postureHistories = {
  twoChanges: {
    transitions: [
      { id: '12', at: '2026-12-03T11:30:00.000Z', from: 'healthy', to: 'degraded', reasons: ['SLA breaches: 3 of 20 decided steps (15%) over the 10% bound'], version: 2 },
      { id: '11', at: '2026-11-21T10:05:00.000Z', from: null, to: 'healthy', reasons: [], version: 2 },
    ],
  },
  none: { transitions: [] },
} satisfies Record<string, z.infer<typeof contract.PostureHistoryAnswer>>;

export const adminLists = {
  read: {
    installedBy: 'owner@acme.example', listed: [ADMIN.email], superAdmins: ['owner@acme.example'],
    superAdminsReadAt: '2026-12-03T11:59:00.000Z', superAdminsError: null,
  },
  scopeMissing: {
    installedBy: 'owner@acme.example', listed: [ADMIN.email], superAdmins: [], superAdminsReadAt: null,
    superAdminsError: 'the app lacks the settings.users.read scope',
  },
} satisfies Record<string, z.infer<typeof contract.AdminsAnswer>>;

export const flagChanged = { flag: 'on', previous: 'shadow', version: 5 } satisfies page.FlagAnswer;

// ---- delegations --------------------------------------------------------------------------------------------------

const DELEGATION_ID = '0b7f3e7a-0c57-4d8e-9d7e-3f3c1b1e2a10';
const delegation = {
  id: DELEGATION_ID, from: 'fin.one@acme.example', fromName: 'Fin One', to: 'anna.manager@acme.example', toName: null,
  startsAt: '2026-12-07T05:00:00.000Z', endsAt: '2026-12-12T05:00:00.000Z', status: 'upcoming' as const,
  createdBy: ADMIN.email, createdAt: '2026-12-02T09:00:00.000Z', revokedAt: null, revokedBy: null,
};

export const delegationLists = {
  portal: { scope: 'portal', version: 7, delegations: [delegation] },
  emptyPortal: { scope: 'portal', version: 0, delegations: [] },
  mineEmpty: { scope: 'mine', version: 2, delegations: [] },
} satisfies Record<string, z.infer<typeof contract.DelegationListAnswer>>;

export const delegationWrites = {
  added: { delegation: { ...delegation, to: 'anna.manager@acme.example' }, version: 8 },
  ended: { delegation: { ...delegation, status: 'revoked', revokedAt: '2026-12-03T12:00:00.000Z', revokedBy: ADMIN.email }, version: 8 },
} satisfies Record<string, page.DelegationWriteAnswer>;

// ---- incidents ------------------------------------------------------------------------------------------------

const overrideIncident: contract.IncidentSummary = {
  id: '77', kind: 'gate_override', requestId: null, dealId: null,
  summary: 'Version 3 activated over the promotion gate (simulated, routable missing): Quarter end.',
  createdAt: '2026-12-03T12:05:00.000Z', resolvedAt: null, resolvedBy: null, resolutionNote: null, followUp: null,
};
const breachIncident: contract.IncidentSummary = {
  id: '76', kind: 'sla_breach', requestId: '6f1c2a8e-4b7d-4c1e-9a3f-2d5e8b7c9a10', dealId: '123',
  summary: 'Step “Finance” of deal 123 is 26 hours past due.', createdAt: '2026-12-02T10:00:00.000Z',
  resolvedAt: null, resolvedBy: null, resolutionNote: null,
  followUp: { queuedAt: '2026-12-02T10:01:00.000Z', doneAt: '2026-12-02T10:02:00.000Z', taskId: '9001', assignedTo: 'owner@acme.example', note: null },
};

export const incidentLists = {
  open: { incidents: [overrideIncident, breachIncident] },
  none: { incidents: [] },
} satisfies Record<string, z.infer<typeof contract.IncidentListAnswer>>;

export const incidentPackets = {
  breach: {
    ...breachIncident,
    packet: { deal: { id: '123', amount: '120000', dealstage: 'contractsent' }, policyHash: HASH_2, traces: ['trace-41', 'trace-42'], happened: 'no decision by the due time' },
  },
} satisfies Record<string, z.infer<typeof contract.IncidentPacketAnswer>>;

export const incidentResolutions = {
  breach: {
    incident: { ...breachIncident, resolvedAt: '2026-12-03T12:10:00.000Z', resolvedBy: ADMIN.email, resolutionNote: 'Called finance; approved by phone.' },
    changed: true,
  },
} satisfies Record<string, z.infer<typeof contract.ResolveIncidentAnswer>>;

// ---- the scorecard --------------------------------------------------------------------------------------------

const spread = (count: number, p50: number | null, p90: number | null) => ({ count, p50, p90 });
const noRequests: z.infer<typeof scorecardContract.ScorecardAnswer> = {
  portalId: '4242', period: { from: '2026-11-04T00:00:00.000Z', to: '2026-12-04T00:00:00.000Z' },
  asOf: '2026-12-03T12:00:00.000Z',
  totals: { opened: 0, approved: 0, rejected: 0, autoApproved: 0, withdrawn: 0, invalidated: 0, pendingAtEnd: 0 },
  rates: { approval: null, rejection: null },
  cycle: { overall: spread(0, null, null), byRoute: [], byStep: [] },
  sla: { breaches: 0, judged: 0, byStep: [], items: [] },
  reapprovals: { invalidated: 0, reapproved: 0, byCause: [], items: [] },
  approvers: [],
  rollbacks: [],
  traces: [],
  outcomes: {
    bucket: 'week',
    targets: { version: 0, isDefault: true, targets: { cycle: { fromSla: true, routes: [] }, slaBreachRate: { max: 0.1 }, approvalRate: { min: 0.5, max: null }, reapprovalRate: { max: 0.1 }, windowDays: 7, minSamples: 10 }, updatedBy: null, updatedAt: null },
    baseline: null,
    metrics: [],
    missed: [],
  },
};

type Metric = z.infer<typeof scorecardContract.OutcomeMetric>;
const weeks = (values: (number | null)[], count: number) => values.map((value, i) => ({
  from: new Date(Date.parse('2026-11-04T00:00:00.000Z') + i * 7 * 86_400_000).toISOString(),
  to: new Date(Date.parse('2026-11-04T00:00:00.000Z') + Math.min((i + 1) * 7, 30) * 86_400_000).toISOString(),
  value, count: value === null ? 0 : count,
}));

/** Cycle p90 on finance missed (over its SLA-derived ceiling), approval rate met, re-approvals too few to judge, sales p50 with no target. */
const monthMetrics: Metric[] = [
  {
    id: 'cycle_p90', routeId: 'finance', label: 'Cycle time p90, finance', unit: 'hours', value: 30, count: 12, baseline: 20,
    target: { min: null, max: 24, source: 'sla' }, status: 'missed',
    reason: 'Cycle time p90 on route finance: 30 h over the 24 h target (12 requests)', trend: weeks([18, 26, 31, 34, null], 3),
  },
  {
    id: 'approval_rate', routeId: null, label: 'Approval rate', unit: 'share', value: 15 / 18, count: 18, baseline: 0.8,
    target: { min: 0.5, max: null, source: 'default' }, status: 'met', reason: null, trend: weeks([0.75, 0.8, 1, 0.8, null], 4),
  },
  {
    id: 'reapproval_rate', routeId: null, label: 'Re-approval rate', unit: 'share', value: 2 / 20, count: 4, baseline: 0.05,
    target: { min: null, max: 0.1, source: 'set' }, status: 'too_few_samples', reason: null, trend: weeks([0, 0.5, 0, 0, null], 1),
  },
  {
    id: 'cycle_p50', routeId: 'sales', label: 'Cycle time p50, sales', unit: 'hours', value: 0.25, count: 6, baseline: null,
    target: null, status: 'no_target', reason: null, trend: weeks([0.25, null, 0.5, 0.2, null], 2),
  },
];

const importedBaseline: z.infer<typeof scorecardContract.Baseline> = {
  source: 'import', period: null, provisional: false, fixedAt: '2026-11-02T09:00:00.000Z', fixedBy: ADMIN.email, fileName: 'deals-2025.csv',
  samples: 412, skippedRows: 3, skipped: [{ line: 17, problem: 'hours is not a number' }], notes: ['The export has no outcome column: no approval rate.'],
  figures: {
    cycleByRoute: [{ routeId: 'finance', count: 120, p50: 8, p90: 20, estimated: true }],
    slaBreachRate: { value: 0.08, count: 300 }, approvalRate: { value: 0.8, count: 300 }, reapprovalRate: { value: 0.05, count: 300 },
  },
};

const savedTargets: z.infer<typeof scorecardContract.TargetsAnswer> = {
  version: 3, isDefault: false,
  targets: {
    cycle: { fromSla: true, routes: [{ routeId: 'finance', p50Hours: 8, p90Hours: 24 }] },
    slaBreachRate: { max: 0.1 }, approvalRate: { min: 0.5, max: null }, reapprovalRate: { max: 0.1 }, windowDays: 7, minSamples: 10,
  },
  updatedBy: ADMIN.email, updatedAt: '2026-11-20T09:00:00.000Z',
};

export const targetAnswers = {
  saved: savedTargets,
  changed: { ...savedTargets, version: 4, targets: { ...savedTargets.targets, slaBreachRate: { max: 0.05 } }, updatedAt: '2026-12-03T12:00:00.000Z' },
} satisfies Record<string, z.infer<typeof scorecardContract.TargetsAnswer>>;

export const baselineAnswers = {
  imported: { version: 2, baseline: importedBaseline },
  firstDays: {
    version: 3,
    baseline: {
      source: 'first_30_days', period: { from: '2026-11-01T09:00:00.000Z', to: '2026-12-01T09:00:00.000Z' }, provisional: false,
      fixedAt: '2026-12-01T09:05:00.000Z', fixedBy: null, fileName: null, samples: 57, skippedRows: 0, skipped: [], notes: [],
      figures: { cycleByRoute: [], slaBreachRate: { value: 0.1, count: 40 }, approvalRate: { value: 0.85, count: 40 }, reapprovalRate: { value: 0.02, count: 45 } },
    },
  },
  none: { version: 0, baseline: null },
} satisfies Record<string, z.infer<typeof scorecardContract.BaselineAnswer>>;

const month: z.infer<typeof scorecardContract.ScorecardAnswer> = {
  ...noRequests,
  totals: { opened: 24, approved: 15, rejected: 3, autoApproved: 2, withdrawn: 1, invalidated: 2, pendingAtEnd: 1 },
  rates: { approval: 15 / 18, rejection: 3 / 18 },
  cycle: {
    overall: spread(18, 0.5, 30),
    byRoute: [{ routeId: 'finance', ...spread(12, 2, 30) }, { routeId: 'sales', ...spread(6, 0.25, 1.5) }],
    byStep: [],
  },
  sla: { breaches: 2, judged: 18, byStep: [], items: [] },
  reapprovals: { invalidated: 2, reapproved: 1, byCause: [], items: [] },
  approvers: [{ approver: 'fin.one@acme.example', decisions: 12, approvals: 10, rejections: 2, pending: 1, responseHours: spread(12, 3, 20) }],
  rollbacks: [{ fromVersion: 3, toVersion: 2, at: '2026-11-28T15:00:00.000Z', reason: 'posture critical: SLA breaches 40% over the 10% bound', traceHash: 'e5'.repeat(32) }],
  traces: [{ hash: 'e5'.repeat(32), seq: 88, kind: 'policy_rolled_back', occurredAt: '2026-11-28T15:00:00.000Z', requestId: null, dealId: null }],
  outcomes: {
    bucket: 'week', targets: savedTargets, baseline: importedBaseline, metrics: monthMetrics,
    missed: ['Cycle time p90 on route finance: 30 h over the 24 h target (12 requests)'],
  },
};

export const scorecards = {
  none: noRequests,
  month,
  /** A portal in its first week: no baseline yet, so every figure stands against its target alone. */
  noBaseline: {
    ...month,
    outcomes: {
      ...month.outcomes, baseline: null, targets: { ...savedTargets, version: 0, isDefault: true, updatedBy: null, updatedAt: null },
      metrics: month.outcomes.metrics.map((metric) => ({ ...metric, baseline: null })),
    },
  },
} satisfies Record<string, z.infer<typeof scorecardContract.ScorecardAnswer>>;

// ---- notification channels ------------------------------------------------------------------------------------

export const notificationSettings = {
  tasksOnly: { version: 1, channels: { tasks: true, email: false, slack: false }, emailOptOuts: [] },
  emailOn: { version: 2, channels: { tasks: true, email: true, slack: false }, emailOptOuts: ['rita.rep@acme.example'] },
} satisfies Record<string, z.infer<typeof notificationContract.NotificationSettingsView>>;

const slackBase: z.infer<typeof slackContract.SlackConnectionView> = {
  connected: false, channelOn: false, version: 0, teamId: null, teamName: null, botUserId: null, connectedBy: null, connectedAt: null,
  interactivityUrl: 'https://approvals.acme.example/slack/interactivity',
};

export const slackConnections = {
  notConnected: slackBase,
  connected: {
    ...slackBase, connected: true, version: 1, teamId: 'T012AB3C4', teamName: 'Acme', botUserId: 'U0BOT1',
    connectedBy: ADMIN.email, connectedAt: '2026-11-30T10:00:00.000Z',
  },
} satisfies Record<string, z.infer<typeof slackContract.SlackConnectionView>>;
