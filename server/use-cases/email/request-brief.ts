// What an approver is asked, in plain words, for the email and the confirmation page alike: the deal as it was
// requested, its score and why, the route and step, the justification and who asks.
import { normaliseEmail } from '../../../src/directory/email.js';
import type { Directory } from '../../../src/directory/schema.js';
import type { ApprovalStatus, StepState } from '../../../src/lifecycle/types.js';
import type { Policy } from '../../../src/policy/schema.js';
import type { ScoreResult } from '../../../src/scoring/types.js';
import type { Portal } from '../../store/portals.js';
import type { StoredRequest } from '../../store/requests.js';
import { presentScore } from '../present.js';

export interface Person {
  email: string;
  name: string | null;
  /** The HubSpot user id, when the directory knows it. */
  userId: string | null;
}

export interface RequestBrief {
  portalName: string;
  dealId: string;
  dealName: string;
  /** The amount as requested, grouped in thousands ("80,000"), or null. */
  amount: string | null;
  /** The deal's record in HubSpot; null for the local demo portal. */
  dealUrl: string | null;
  requester: Person;
  score: number;
  /** Why the score is what it is: one line per factor that gave points or could not be read. */
  reasons: string[];
  routeLabel: string;
  stepLabel: string;
  /** "step 1 of 2" */
  stepPosition: string;
  /** How the step completes: "one approval completes this step". */
  stepRule: string;
  dueAt: string | null;
  justification: string;
  state: ApprovalStatus;
  version: number;
}

export function lookUpPerson(directory: Directory, email: string): Person {
  const wanted = normaliseEmail(email);
  const user = directory.users.find((candidate) => normaliseEmail(candidate.email) === wanted);
  return { email: wanted, name: user?.name ?? null, userId: user?.userId ?? null };
}

export function briefRequest(portal: Pick<Portal, 'id' | 'name' | 'installState'>, request: StoredRequest, policy: Policy, directory: Directory, stepIndex: number): RequestBrief {
  const step = request.lifecycle.steps[stepIndex];
  const route = policy.routes.find((candidate) => candidate.id === request.routeId);
  const stepDoc = route?.steps?.find((candidate) => candidate.id === step?.id);
  const properties = request.dealSnapshot.properties;
  return {
    portalName: portal.name,
    dealId: request.dealId,
    dealName: properties.dealname ?? `Deal ${request.dealId}`,
    amount: formatAmount(properties.amount ?? null),
    dealUrl: portal.installState === 'demo' ? null : `https://app.hubspot.com/contacts/${encodeURIComponent(portal.id)}/record/0-3/${encodeURIComponent(request.dealId)}`,
    requester: lookUpPerson(directory, request.requesterEmail),
    score: request.score,
    reasons: scoreReasons(request.evaluation, policy),
    routeLabel: route?.label ?? request.routeId,
    stepLabel: stepDoc?.label ?? step?.id ?? `step ${stepIndex + 1}`,
    stepPosition: `step ${stepIndex + 1} of ${request.lifecycle.steps.length}`,
    stepRule: step ? stepRule(step) : '',
    dueAt: step?.dueAt ?? null,
    justification: request.justification,
    state: request.lifecycle.state,
    version: request.rowVersion,
  };
}

function stepRule(step: StepState): string {
  if (step.mode === 'any') return 'one approval completes this step';
  if (step.mode === 'all') return `all ${step.approvers.length} approvers must approve`;
  return `${step.quorum} of ${step.approvers.length} approvals complete this step`;
}

/** The factors that moved the score, and those the deal could not be scored on (never guessed, so worth saying). */
function scoreReasons(evaluation: unknown, policy: Policy): string[] {
  const score = (evaluation as { score?: ScoreResult } | null)?.score;
  if (!score || !Array.isArray(score.factors)) return [];
  const view = presentScore(score, policy);
  const lines = view.factors
    .filter((factor) => factor.points !== 0 || factor.status === 'missing' || factor.status === 'unparsable')
    .map((factor) => (factor.points !== 0
      ? `${factor.label}: ${factor.value ?? '(none)'} gives ${factor.points > 0 ? '+' : ''}${factor.points} (${factor.detail})`
      : `${factor.label}: ${factor.detail}`));
  return [...lines, ...view.notes];
}

function formatAmount(amount: string | null): string | null {
  if (amount === null || amount.trim() === '') return null;
  const match = /^(-?)(\d+)(\.\d+)?$/.exec(amount.trim());
  if (!match) return amount;
  const [, sign = '', whole = '', fraction = ''] = match;
  return `${sign}${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}${fraction}`;
}
