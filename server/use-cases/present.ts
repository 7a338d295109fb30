// Turns the core's results into the card API's views (src/contract): labels from the policy, names from
// the directory, and one plain sentence for every reason, so the card never has to interpret internals.
import type { z } from 'zod';
import type { FactorView, RequestView, RoutePreview, ScoreView, StepView } from '../../src/contract/card-api.js';
import { normaliseEmail } from '../../src/directory/email.js';
import type { Directory } from '../../src/directory/schema.js';
import { renderCondition } from '../../src/explain/render-explanation.js';
import type { ApprovalState } from '../../src/lifecycle/types.js';
import type { Policy } from '../../src/policy/schema.js';
import type { ResolutionEntry, RouteResult } from '../../src/routing/types.js';
import type { FactorTrace, ScoreResult } from '../../src/scoring/types.js';
import type { RequestSummary } from '../store/requests.js';
import { stepStatus, waitingOn } from '../../src/lifecycle/waiting.js';

type Names = (email: string) => string | null;

export function namesFrom(directory: Directory): Names {
  const byEmail = new Map(directory.users.map((user) => [normaliseEmail(user.email), user.name ?? null]));
  return (email) => byEmail.get(normaliseEmail(email)) ?? null;
}

export function presentScore(score: ScoreResult, policy: Policy): ScoreView {
  const labels = new Map(policy.scoring.factors.map((factor) => [factor.id, factor.label ?? factor.id]));
  const notes = score.total === score.score ? [] : [`the factors sum to ${score.total}; the score is clamped to 0..100`];
  return { value: score.score, factors: score.factors.map((factor) => presentFactor(factor, labels.get(factor.id) ?? factor.id)), notes };
}

function presentFactor(factor: FactorTrace, label: string): z.infer<typeof FactorView> {
  const detail = {
    scored: factor.band === null ? `${factor.value ?? ''} is a listed value` : `at or above ${factor.band}`,
    below_bands: 'below every band',
    not_listed: 'not one of the listed values',
    missing: `the deal has no ${factor.property}: scores 0`,
    unparsable: `"${factor.value ?? ''}" is not a plain decimal: scores 0`,
  }[factor.status];
  const status = factor.status === 'below_bands' || factor.status === 'not_listed' ? 'unmatched' : factor.status;
  return { id: factor.id, label, property: factor.property, value: factor.value, status, points: factor.points, detail };
}

export function presentRoute(route: RouteResult, policy: Policy, names: Names): RoutePreview {
  const routeDoc = policy.routes.find((candidate) => candidate.id === route.routeId);
  const outcome = route.outcome;
  const steps = outcome.kind === 'auto_approved' ? [] : outcome.steps;
  return {
    outcome: outcome.kind,
    routeId: route.routeId,
    routeLabel: routeDoc?.label ?? route.routeId,
    reason: outcome.kind === 'unroutable' ? outcome.reason : outcome.kind === 'auto_approved' ? 'this route approves automatically' : null,
    tried: route.tried.map((trial) => ({ routeId: trial.routeId, matched: trial.matched, explanation: renderCondition(trial.condition) })),
    steps: steps.map((step) => ({
      id: step.id,
      label: step.label ?? step.id,
      mode: step.mode,
      required: step.required,
      slaHours: step.slaHours,
      approvers: step.approvers.map((email) => {
        const entry = step.resolution.find((r) => r.email === email && r.status === 'approver');
        return { email, name: names(email), reason: entry ? describeResolution(entry) : 'resolved by the policy', delegatedFrom: entry?.delegatedFrom ?? null };
      }),
      notes: step.resolution.filter((r) => r.status !== 'approver' && r.status !== 'duplicate').map(describeResolution),
    })),
  };
}

function describeResolution(entry: ResolutionEntry): string {
  const who = entry.email ?? 'nobody';
  const via = `via ${entry.via}${entry.tier === 'primary' ? '' : ` (${entry.tier.replace('_', ' ')})`}`;
  const status = {
    approver: `${who} ${via}`,
    excluded_requester: `${who} skipped ${via}: the requester never approves their own request`,
    excluded_owner: `${who} skipped ${via}: the deal owner never approves their own deal`,
    inactive: `${who} skipped ${via}: inactive user`,
    duplicate: `${who} already listed`,
    none: `nobody ${via}`,
  }[entry.status];
  const delegated = entry.delegatedFrom ? `, delegated from ${entry.delegatedFrom}` : '';
  return `${status}${delegated}${entry.note ? ` (${entry.note})` : ''}`;
}

export function presentRequest(request: RequestSummary, policy: Policy, names: Names, onBehalfOf: Map<string, string> = new Map()): RequestView {
  const lifecycle = request.lifecycle;
  const labels = new Map((policy.routes.find((route) => route.id === request.routeId)?.steps ?? []).map((step) => [step.id, step.label ?? step.id]));
  return {
    id: request.id,
    dealId: request.dealId,
    state: lifecycle.state,
    version: request.rowVersion,
    requester: lifecycle.requester,
    justification: request.justification,
    score: request.score,
    routeId: request.routeId,
    policyVersion: request.policyVersion,
    createdAt: request.createdAt,
    closedAt: lifecycle.closedAt,
    currentStepIndex: lifecycle.currentStep,
    steps: lifecycle.steps.map((step, index) => presentStep(lifecycle, step, index, labels.get(step.id) ?? step.id, names, onBehalfOf)),
    outcomeNote: outcomeNote(lifecycle),
  };
}

function presentStep(
  lifecycle: ApprovalState, step: ApprovalState['steps'][number], index: number, label: string, names: Names, onBehalfOf: Map<string, string>,
): StepView {
  const status = stepStatus(lifecycle, step);
  return {
    index,
    id: step.id,
    label,
    mode: step.mode,
    required: step.quorum,
    status,
    slaHours: step.slaHours,
    startedAt: step.startedAt,
    dueAt: step.dueAt,
    escalatedAt: step.escalatedAt,
    approvers: step.approvers,
    waitingOn: waitingOn(lifecycle, step),
    decisions: step.decisions.map((decision) => ({
      approver: decision.approver,
      approverName: names(decision.approver),
      onBehalfOf: onBehalfOf.get(`${index}:${decision.approver}`) ?? null,
      verdict: decision.verdict,
      comment: decision.comment,
      decidedAt: decision.at,
    })),
  };
}

function outcomeNote(lifecycle: ApprovalState): string | null {
  const last = [...lifecycle.history].reverse().find((event) =>
    ['request_approved', 'request_rejected', 'request_withdrawn', 'request_invalidated', 'request_auto_approved', 'request_expired'].includes(event.type));
  if (!last) return null;
  const by = last.actor ? ` by ${last.actor}` : '';
  const detail = last.detail ? `: ${last.detail}` : '';
  return `${last.type.replace('request_', '').replace('_', '-')}${by}${detail}`;
}
