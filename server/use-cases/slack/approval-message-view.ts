// What an approver's Slack message says, from the request as it stands: the deal summary (name, score and why,
// route, justification, due time) and either the buttons, while the step waits on them, or what became of it.
import type { ApprovalState } from '../../../src/lifecycle/types.js';
import { hasDecided, stepStatus } from '../../../src/lifecycle/waiting.js';
import type { Policy } from '../../../src/policy/schema.js';
import type { FactorTrace } from '../../../src/scoring/types.js';
import type { ApprovalMessageView, OutcomeLine } from '../../slack/approval-blocks.js';
import type { Portal } from '../../store/portals.js';
import type { StoredRequest } from '../../store/requests.js';

type Names = (email: string) => string | null;

export function approvalMessageView(
  portal: Pick<Portal, 'id' | 'installState'>, request: StoredRequest, policy: Policy, names: Names, stepIndex: number, approver: string,
): ApprovalMessageView {
  const lifecycle = request.lifecycle;
  const step = lifecycle.steps[stepIndex];
  if (!step) throw new Error(`request ${request.id} has no step ${stepIndex}`);
  const route = policy.routes.find((candidate) => candidate.id === request.routeId);
  const stepLabel = (id: string) => route?.steps?.find((candidate) => candidate.id === id)?.label ?? id;
  const awaiting = stepStatus(lifecycle, step) === 'active' && !hasDecided(step, approver);
  return {
    requestId: request.id,
    stepIndex,
    dealName: dealNameOf(request),
    dealUrl: portal.installState === 'demo' ? null : `https://app.hubspot.com/contacts/${portal.id}/record/0-3/${request.dealId}`,
    requester: nameOf(names, lifecycle.requester),
    stepLabel: stepLabel(step.id),
    stepCount: lifecycle.steps.length,
    score: request.score,
    scoreWhy: scoreWhy(request.evaluation, policy),
    routeLabel: route?.label ?? request.routeId,
    justification: request.justification,
    dueAt: step.dueAt,
    status: awaiting ? { kind: 'awaiting', escalatedAt: step.escalatedAt } : { kind: 'closed', lines: outcomeLines(lifecycle, stepIndex, approver, names, stepLabel) },
  };
}

function outcomeLines(lifecycle: ApprovalState, stepIndex: number, approver: string, names: Names, stepLabel: (id: string) => string): OutcomeLine[] {
  const step = lifecycle.steps[stepIndex]!;
  const lines: OutcomeLine[] = [];
  const own = step.decisions.find((decision) => decision.approver === approver);
  if (own) lines.push({ tone: own.verdict === 'approve' ? 'approved' : 'rejected', text: `You ${own.verdict === 'approve' ? 'approved' : 'rejected'}${quoted(own.comment)}`, at: own.at });
  const closing = [...lifecycle.history].reverse().find((event) => event.type.startsWith('request_') && event.type !== 'request_created');
  switch (lifecycle.state) {
    case 'approved':
    case 'auto_approved':
      lines.push({ tone: 'approved', text: 'The request is approved', at: lifecycle.closedAt });
      break;
    case 'rejected': {
      const rejection = lifecycle.steps.flatMap((s) => s.decisions).find((decision) => decision.verdict === 'reject');
      if (rejection && rejection.approver !== approver) lines.push({ tone: 'rejected', text: `Rejected by ${nameOf(names, rejection.approver)}${quoted(rejection.comment)}`, at: rejection.at });
      else if (!rejection) lines.push({ tone: 'rejected', text: 'The request is rejected', at: lifecycle.closedAt });
      break;
    }
    case 'withdrawn':
      lines.push({ tone: 'closed', text: `Withdrawn by ${nameOf(names, lifecycle.requester)}${quoted(closing?.detail ?? null)}`, at: lifecycle.closedAt });
      break;
    case 'invalidated':
      lines.push({
        tone: 'closed',
        text: closing?.type === 'request_expired' ? `Expired${closing.detail ? `: ${closing.detail}` : ''}` : `No longer needed: the deal changed${closing?.detail ? ` (${closing.detail})` : ''}`,
        at: lifecycle.closedAt,
      });
      break;
    case 'pending': {
      if (step.status === 'active') {
        const approvals = step.decisions.filter((decision) => decision.verdict === 'approve').length;
        const more = step.quorum - approvals;
        lines.push({ tone: 'waiting', text: `Waiting on ${more} more approval${more === 1 ? '' : 's'} for this step`, at: null });
      } else if (step.status === 'approved') {
        const others = step.decisions.filter((decision) => decision.verdict === 'approve' && decision.approver !== approver).map((decision) => nameOf(names, decision.approver));
        const next = lifecycle.currentStep === null ? null : lifecycle.steps[lifecycle.currentStep];
        const by = others.length > 0 && !own ? ` by ${others.join(', ')}` : '';
        lines.push({ tone: 'approved', text: `Step approved${by}${next ? `; now with ${stepLabel(next.id)}` : ''}`, at: null });
      }
      break;
    }
  }
  return lines;
}

/** The score's reasons in one line: each factor that gave points, highest first. */
export function scoreWhy(evaluation: unknown, policy: Policy): string {
  const factors = (evaluation as { score?: { factors?: FactorTrace[] } } | null)?.score?.factors ?? [];
  const labels = new Map(policy.scoring.factors.map((factor) => [factor.id, factor.label ?? factor.id]));
  const scored = factors.filter((factor) => factor.points !== 0).sort((a, b) => b.points - a.points || a.id.localeCompare(b.id));
  if (scored.length === 0) return 'no factor gave points';
  return scored.map((factor) => `${labels.get(factor.id) ?? factor.id} ${factor.value ?? ''} (${factor.points > 0 ? '+' : ''}${factor.points})`.replace('  ', ' ')).join(', ');
}

export function dealNameOf(request: Pick<StoredRequest, 'dealId' | 'dealSnapshot'>): string {
  const name = request.dealSnapshot.properties.dealname;
  return typeof name === 'string' && name.trim() !== '' ? name.trim() : `Deal ${request.dealId}`;
}

const nameOf = (names: Names, email: string) => names(email) ?? email;

const quoted = (comment: string | null) => (comment ? `: “${comment}”` : '');
