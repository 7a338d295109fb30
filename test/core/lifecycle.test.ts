import { describe, expect, it } from 'vitest';
import {
  autoApprove, decide, escalate, expire, invalidate, request, routeDeal, withdraw,
  type ApprovalState, type RouteResult, type TransitionResult,
} from '../../src/index.js';
import { activeStep, hasDecided, stepStatus, waitingOn } from '../../src/lifecycle/waiting.js';
import { buildDeal, buildDirectory, buildPolicy } from './support/builders.js';

const T0 = '2026-11-27T09:00:00Z';
const T1 = '2026-11-27T10:00:00Z';
const LATE = '2026-11-30T09:00:00Z';
const directory = buildDirectory();
const policy = buildPolicy();

/** Executive route: manager (any: emea.mgr) then finance (quorum 2 of f1, f2, f3). */
const executive = routeDeal(buildDeal({ amount: '900000' }), policy, directory, { requester: 'rep@x.test' });
const auto = routeDeal(buildDeal({ discount_percent: '1' }), policy, directory, { requester: 'rep@x.test' });

function ok(result: TransitionResult): ApprovalState {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.state;
}

function open(route: RouteResult = executive): ApprovalState {
  return ok(request(null, { requester: 'Rep@x.test', justification: 'Strategic logo', route, policyHash: 'p1' }, T0));
}

function singleStep(mode: 'any' | 'all' | 'quorum', quorum?: number): ApprovalState {
  const p = buildPolicy((d) => {
    d.routes = [{ id: 'only', when: { always: true }, steps: [{ id: 'finance', approvers: { team: 'Finance' }, mode, ...(quorum ? { quorum } : {}), slaHours: 8 }] }];
  });
  return open(routeDeal(buildDeal(), p, directory, { requester: 'rep@x.test' }));
}

const approve = (state: ApprovalState, approver: string, at = T1) => decide(state, { approver, verdict: 'approve' }, at);

describe('requesting approval', () => {
  it('opens a pending request whose first step starts now, due after its SLA', () => {
    const state = open();
    expect(state).toMatchObject({ state: 'pending', requester: 'rep@x.test', owner: 'rep@x.test', routeId: 'executive', policyHash: 'p1', currentStep: 0 });
    expect(state.steps.map((s) => [s.id, s.status, s.quorum, s.dueAt])).toEqual([
      ['manager', 'active', 1, '2026-11-28T09:00:00.000Z'],
      ['finance', 'waiting', 2, null],
    ]);
    expect(state.history.map((e) => e.type)).toEqual(['request_created', 'step_started']);
  });

  it.each<[string, () => TransitionResult, string]>([
    ['a second request while one is pending', () => request(open(), { requester: 'rep@x.test', justification: 'again', route: executive, policyHash: 'p1' }, T1), 'illegal_transition'],
    ['a request without a justification', () => request(null, { requester: 'rep@x.test', justification: '  ', route: executive, policyHash: 'p1' }, T0), 'justification_required'],
    ['a request for an unroutable deal', () => request(null, { requester: 'rep@x.test', justification: 'x', route: { ...executive, outcome: { kind: 'unroutable', reason: 'nobody', stepId: null, steps: [] } }, policyHash: 'p1' }, T0), 'unroutable'],
    ['a request at a time that is not an instant', () => request(null, { requester: 'rep@x.test', justification: 'x', route: executive, policyHash: 'p1' }, 'tomorrow'), 'invalid_time'],
    ['auto-approval on a route that needs people', () => autoApprove(null, { requester: 'rep@x.test', route: executive, policyHash: 'p1' }, T0), 'illegal_transition'],
  ])('refuses %s', (_name, attempt, code) => {
    const result = attempt();
    expect(result.ok ? null : result.error.code).toBe(code);
  });

  it('closes at once as auto_approved on an auto-approve route', () => {
    const result = request(null, { requester: 'rep@x.test', justification: 'small', route: auto, policyHash: 'p1' }, T0);
    expect(ok(result)).toMatchObject({ state: 'auto_approved', steps: [], closedAt: T0 });
    expect(result.ok && result.events.map((e) => e.type)).toEqual(['request_auto_approved']);
  });

  it('allows a new request after the previous one closed', () => {
    const withdrawn = ok(withdraw(open(), { by: 'rep@x.test' }, T1));
    expect(ok(request(withdrawn, { requester: 'rep@x.test', justification: 'again', route: executive, policyHash: 'p2' }, T1)).state).toBe('pending');
  });
});

describe('deciding', () => {
  it('moves to the next step when an approver of an any step approves', () => {
    const result = approve(open(), 'emea.mgr@x.test');
    const state = ok(result);
    expect(state.currentStep).toBe(1);
    expect(state.steps.map((s) => s.status)).toEqual(['approved', 'active']);
    expect(state.steps[1]).toMatchObject({ startedAt: T1, dueAt: '2026-11-29T10:00:00.000Z' });
    expect(result.ok && result.events.map((e) => e.type)).toEqual(['decision_recorded', 'step_approved', 'step_started']);
  });

  it('approves the request when the quorum of the last step is reached, not before', () => {
    const atFinance = ok(approve(open(), 'emea.mgr@x.test'));
    const one = ok(approve(atFinance, 'f1@x.test'));
    expect(one).toMatchObject({ state: 'pending', currentStep: 1 });
    const two = ok(approve(one, 'f3@x.test'));
    expect(two).toMatchObject({ state: 'approved', currentStep: null, closedAt: T1 });
    expect(two.history.at(-1)?.type).toBe('request_approved');
  });

  it.each<['any' | 'all' | 'quorum', number | undefined, number]>([['any', undefined, 1], ['all', undefined, 3], ['quorum', 2, 2]])('a %s step needs %s… approvals: %i', (mode, quorum, needed) => {
    let state = singleStep(mode, quorum);
    const approvers = ['f1@x.test', 'f2@x.test', 'f3@x.test'];
    for (let i = 0; i < needed; i++) {
      expect(state.state).toBe('pending');
      state = ok(approve(state, approvers[i]!));
    }
    expect(state.state).toBe('approved');
  });

  it('ends the request on a rejection, skipping later steps', () => {
    const state = ok(decide(open(), { approver: 'emea.mgr@x.test', verdict: 'reject', comment: 'Margin too thin' }, T1));
    expect(state).toMatchObject({ state: 'rejected', currentStep: null });
    expect(state.steps.map((s) => s.status)).toEqual(['rejected', 'skipped']);
    expect(state.steps[0]!.decisions[0]).toEqual({ approver: 'emea.mgr@x.test', verdict: 'reject', comment: 'Margin too thin', at: T1 });
  });

  it.each<[string, (s: ApprovalState) => TransitionResult, string]>([
    ['someone who is not an approver of the step', (s) => approve(s, 'f1@x.test'), 'not_an_approver'],
    ['the requester', (s) => approve(s, 'REP@x.test'), 'self_approval'],
    ['a second decision by the same approver', (s) => approve(ok(approve(ok(approve(s, 'emea.mgr@x.test')), 'f1@x.test')), 'f1@x.test'), 'already_decided'],
    ['a rejection without a comment', (s) => decide(s, { approver: 'emea.mgr@x.test', verdict: 'reject', comment: ' ' }, T1), 'comment_required'],
    ['a decision on a closed request', (s) => approve(ok(withdraw(s, { by: 'rep@x.test' }, T1)), 'emea.mgr@x.test'), 'illegal_transition'],
  ])('refuses %s', (_name, attempt, code) => {
    const result = attempt(open());
    expect(result.ok ? null : result.error.code).toBe(code);
  });

  it('never changes the state it was given', () => {
    const state = open();
    const before = JSON.stringify(state);
    approve(state, 'emea.mgr@x.test');
    decide(state, { approver: 'emea.mgr@x.test', verdict: 'reject', comment: 'no' }, T1);
    withdraw(state, { by: 'rep@x.test' }, T1);
    expect(JSON.stringify(state)).toBe(before);
  });
});

describe('withdrawing, invalidating, escalating, expiring', () => {
  it('lets only the requester withdraw a pending request', () => {
    const result = withdraw(open(), { by: 'emea.mgr@x.test' }, T1);
    expect(result.ok ? null : result.error.code).toBe('not_requester');
    expect(ok(withdraw(open(), { by: 'rep@x.test', reason: 'customer paused' }, T1))).toMatchObject({ state: 'withdrawn', closedAt: T1 });
  });

  it('invalidates pending and approved requests, nothing else', () => {
    expect(ok(invalidate(open(), { reason: 'amount changed' }, T1)).state).toBe('invalidated');
    const approved = ok(approve(ok(approve(ok(approve(open(), 'emea.mgr@x.test')), 'f1@x.test')), 'f2@x.test'));
    expect(ok(invalidate(approved, { reason: 'amount changed' }, T1)).state).toBe('invalidated');
    const rejected = ok(decide(open(), { approver: 'emea.mgr@x.test', verdict: 'reject', comment: 'no' }, T1));
    const result = invalidate(rejected, { reason: 'x' }, T1);
    expect(result.ok ? null : result.error.code).toBe('illegal_transition');
  });

  it('escalates a step once, and only after its due time', () => {
    const early = escalate(open(), { to: ['desk@x.test'] }, T1);
    expect(early.ok ? null : early.error.code).toBe('not_due');
    const escalated = ok(escalate(open(), { to: ['Desk@x.test'] }, LATE));
    expect(escalated).toMatchObject({ state: 'pending' });
    expect(escalated.steps[0]!.escalatedAt).toBe(LATE);
    expect(escalated.history.at(-1)).toMatchObject({ type: 'step_escalated', detail: 'desk@x.test' });
    const again = escalate(escalated, { to: ['desk@x.test'] }, LATE);
    expect(again.ok ? null : again.error.code).toBe('already_escalated');
  });

  it('expires a pending request past its due time as invalidated', () => {
    const early = expire(open(), {}, T1);
    expect(early.ok ? null : early.error.code).toBe('not_due');
    const expired = ok(expire(open(), {}, LATE));
    expect(expired).toMatchObject({ state: 'invalidated', closedAt: LATE });
    expect(expired.history.at(-1)?.type).toBe('request_expired');
  });
});

describe('who a request waits on', () => {
  it('is the active step\'s approvers who have not decided, and nobody once the request is closed', () => {
    const state = singleStep('all');
    const step = () => state.steps[0]!;
    expect(waitingOn(state, step())).toEqual(['f1@x.test', 'f2@x.test', 'f3@x.test']);
    const once = ok(approve(state, 'f2@x.test'));
    expect(waitingOn(once, once.steps[0]!)).toEqual(['f1@x.test', 'f3@x.test']);
    expect(hasDecided(once.steps[0]!, 'f2@x.test')).toBe(true);
    const withdrawn = ok(withdraw(once, { by: 'rep@x.test' }, T1));
    expect(waitingOn(withdrawn, withdrawn.steps[0]!)).toEqual([]);
    expect(activeStep(withdrawn)).toBeUndefined();
  });

  it('shows a step left waiting or active by a closed request as skipped, whatever its row says', () => {
    const state = open();
    const closedBehindItsBack: ApprovalState = { ...state, state: 'invalidated', currentStep: null };
    expect(closedBehindItsBack.steps.map((step) => stepStatus(closedBehindItsBack, step))).toEqual(['skipped', 'skipped']);
    expect(state.steps.map((step) => stepStatus(state, step))).toEqual(['active', 'waiting']);
  });
});
