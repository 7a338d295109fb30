// Every answer the card tests feed the card, in one place. contract.test.ts parses each one with the service's
// zod schemas (src/contract/card-api.ts), so a fixture the service could never send fails the run.
import type {
  CardView, ErrorAnswer, InboxAnswer, RequestAnswer, RequestHistory, RequestView, RoutePreview, ScoreView,
} from '../../extensions/app/cards/api-types.js';

export const PORTAL_ID = '4242';
export const DEAL_ID = '123';
export const REQUEST_ID = '6f1c2a8e-4b7d-4c1e-9a3f-2d5e8b7c9a10';
export const REP = { email: 'rita.rep@acme.example', userId: '701' };
export const MANAGER = { email: 'anna.manager@acme.example', userId: '702' };
export const FINANCE = { email: 'fin.one@acme.example', userId: '703' };

export const score: ScoreView = {
  value: 45,
  factors: [
    { id: 'discount', label: 'Discount', property: 'discount_percent', value: '22', status: 'scored', points: 35, detail: '22 is at least 20: 35 points' },
    { id: 'payment', label: 'Payment terms', property: 'payment_terms', value: 'net_60', status: 'scored', points: 10, detail: 'net_60 scores 10 points' },
    { id: 'term', label: 'Contract term', property: 'contract_term_months', value: null, status: 'missing', points: 0, detail: 'contract_term_months is not set on the deal' },
  ],
  notes: ['contract_term_months is missing: scored 0, not guessed'],
};

export const routedPreview: RoutePreview = {
  outcome: 'routed',
  routeId: 'executive',
  routeLabel: 'Executive review',
  reason: null,
  tried: [{ routeId: 'executive', matched: true, explanation: 'score 45 is at least 40' }],
  steps: [
    {
      id: 'manager', label: 'Sales manager', mode: 'any', required: 1, slaHours: 24,
      approvers: [{ email: MANAGER.email, name: 'Anna Manager', reason: 'sales_manager of team EMEA', delegatedFrom: null }],
      notes: [],
    },
    {
      id: 'finance', label: 'Finance', mode: 'quorum', required: 2, slaHours: 48,
      approvers: [
        { email: FINANCE.email, name: 'Fin One', reason: 'member of team Finance', delegatedFrom: null },
        { email: 'fin.two@acme.example', name: null, reason: 'member of team Finance', delegatedFrom: null },
        { email: 'fin.three@acme.example', name: 'Fin Three', reason: 'member of team Finance', delegatedFrom: 'fin.lead@acme.example' },
      ],
      notes: ['rita.rep@acme.example was skipped: a requester never approves their own request'],
    },
  ],
};

export const autoApprovedPreview: RoutePreview = {
  outcome: 'auto_approved', routeId: 'auto', routeLabel: 'Standard terms', reason: 'Score 5 is below every review threshold: approved automatically.',
  tried: [{ routeId: 'auto', matched: true, explanation: 'always' }], steps: [],
};

export const unroutablePreview: RoutePreview = {
  outcome: 'unroutable', routeId: null, routeLabel: null,
  reason: 'No route matched: amount is missing and the policy has no catch-all route.',
  tried: [{ routeId: 'executive', matched: false, explanation: 'amount is missing' }], steps: [],
};

export const pendingRequest: RequestView = {
  id: REQUEST_ID,
  dealId: DEAL_ID,
  state: 'pending',
  version: 3,
  requester: REP.email,
  justification: 'Strategic logo; the 22% discount is matched by a 3-year term.',
  score: 45,
  routeId: 'executive',
  policyVersion: 4,
  createdAt: '2026-11-20T14:00:00.000Z',
  closedAt: null,
  currentStepIndex: 1,
  outcomeNote: null,
  steps: [
    {
      index: 0, id: 'manager', label: 'Sales manager', mode: 'any', required: 1, status: 'approved', slaHours: 24,
      startedAt: '2026-11-20T14:00:00.000Z', dueAt: '2026-11-21T14:00:00.000Z',
      approvers: [MANAGER.email], waitingOn: [],
      decisions: [{
        approver: MANAGER.email, approverName: 'Anna Manager', onBehalfOf: null, verdict: 'approve',
        comment: 'Fine given the multi-year term.', decidedAt: '2026-11-20T16:30:00.000Z',
      }],
    },
    {
      index: 1, id: 'finance', label: 'Finance', mode: 'quorum', required: 2, status: 'active', slaHours: 48,
      startedAt: '2026-11-20T16:30:00.000Z', dueAt: '2026-11-22T16:30:00.000Z',
      approvers: [FINANCE.email, 'fin.two@acme.example', 'fin.three@acme.example'],
      waitingOn: [FINANCE.email, 'fin.two@acme.example'],
      decisions: [{
        approver: 'fin.three@acme.example', approverName: 'Fin Three', onBehalfOf: 'fin.lead@acme.example', verdict: 'approve',
        comment: null, decidedAt: '2026-11-21T09:15:00.000Z',
      }],
    },
  ],
};

export const rejectedRequest: RequestView = {
  ...pendingRequest,
  state: 'rejected',
  version: 4,
  closedAt: '2026-11-21T10:00:00.000Z',
  currentStepIndex: null,
  outcomeNote: 'Rejected at step Finance.',
  steps: [
    pendingRequest.steps[0]!,
    {
      ...pendingRequest.steps[1]!,
      status: 'rejected',
      waitingOn: [],
      decisions: [{
        approver: FINANCE.email, approverName: 'Fin One', onBehalfOf: null, verdict: 'reject',
        comment: 'Net 60 needs a signed credit check first.', decidedAt: '2026-11-21T10:00:00.000Z',
      }],
    },
  ],
};

const policy = { version: 4, name: 'Acme deal desk', hash: 'sha256:3f9a' };
const noActions = { request: false, withdraw: false, decide: false };

function cardView(overrides: Partial<CardView>): CardView {
  return {
    portalId: PORTAL_ID, dealId: DEAL_ID, dealName: 'Globex renewal', mode: 'on', policy,
    viewer: { email: REP.email, userId: REP.userId, roles: ['owner'] },
    score, preview: routedPreview, request: null, actions: noActions, notices: [], traceHash: 'sha256:77aa',
    ...overrides,
  };
}

export const cardViews = {
  /** The deal owner, no request yet: may request. */
  repCanRequest: cardView({ actions: { ...noActions, request: true } }),
  /** The requester while their request waits on finance: may withdraw, never decide. */
  requesterPending: cardView({
    viewer: { email: REP.email, userId: REP.userId, roles: ['owner', 'requester'] },
    request: pendingRequest, actions: { ...noActions, withdraw: true },
    notices: ['You cannot decide a request you made.'],
  }),
  /** A finance approver the current step waits on: may decide, never request. */
  approverCanDecide: cardView({
    viewer: { email: FINANCE.email, userId: FINANCE.userId, roles: ['approver'] },
    request: pendingRequest, actions: { ...noActions, decide: true },
    notices: ['Only the deal owner can request approval.'],
  }),
  /** The same approver while the portal's HubSpot syncs wait for the next day's budget. */
  approverSyncDelayed: cardView({
    viewer: { email: FINANCE.email, userId: FINANCE.userId, roles: ['approver'] },
    request: pendingRequest, actions: { ...noActions, decide: true },
    notices: ['HubSpot sync delayed until 2026-11-22 00:00 UTC: the portal\'s daily HubSpot budget is spent; approvals are recorded here and reach the deal then'],
  }),
  /** An approver on a deal with no open request. */
  approverNothingOpen: cardView({
    viewer: { email: FINANCE.email, userId: FINANCE.userId, roles: ['approver'] },
    notices: ['Only the deal owner can request approval.'],
  }),
  /** The manager, whose step is done while finance decides. */
  managerAlreadyDecided: cardView({
    viewer: { email: MANAGER.email, userId: MANAGER.userId, roles: ['approver'] },
    request: pendingRequest,
    notices: ['Your step is decided; the request now waits on Finance.'],
  }),
  off: cardView({
    mode: 'off', policy: null, score: null, preview: null, traceHash: null,
    notices: ['Approval routing is off for this portal.'],
  }),
  shadow: cardView({ mode: 'shadow', actions: { ...noActions, request: true } }),
  unroutable: cardView({
    preview: unroutablePreview,
    notices: ['A request cannot be sent while no route fits this deal.'],
  }),
  autoApproved: cardView({
    score: { value: 5, factors: [score.factors[1]!], notes: [] }, preview: autoApprovedPreview,
    notices: ['This deal needs no approval.'],
  }),
  /** The requester after the finance step passed its SLA and escalated. */
  requesterEscalated: cardView({
    viewer: { email: REP.email, userId: REP.userId, roles: ['owner', 'requester'] },
    request: { ...pendingRequest, steps: pendingRequest.steps.map((step) => (step.status === 'active' ? { ...step, escalatedAt: '2026-11-22T16:30:00.000Z' } : step)) },
    actions: { ...noActions, withdraw: true },
  }),
  /** The requester after finance rejected: may ask again. */
  rejectedCanRequestAgain: cardView({ request: rejectedRequest, actions: { ...noActions, request: true } }),
} satisfies Record<string, CardView>;

export const requestAnswers = {
  created: { request: { ...pendingRequest, version: 1, currentStepIndex: 0, steps: pendingRequest.steps.map((step, index) => ({ ...step, status: index === 0 ? 'active' as const : 'waiting' as const, decisions: [], waitingOn: index === 0 ? [MANAGER.email] : [] })) }, traceHash: 'sha256:a1' },
  decided: { request: { ...pendingRequest, version: 4 }, traceHash: 'sha256:a2' },
  rejected: { request: rejectedRequest, traceHash: 'sha256:a3' },
  withdrawn: { request: { ...pendingRequest, state: 'withdrawn', version: 4, currentStepIndex: null, closedAt: '2026-11-21T11:00:00.000Z' }, traceHash: 'sha256:a4' },
} satisfies Record<string, RequestAnswer>;

export const inboxAnswers = {
  twoWaiting: {
    items: [
      { requestId: REQUEST_ID, dealId: DEAL_ID, dealName: 'Globex renewal', requester: REP.email, stepLabel: 'Finance', dueAt: '2026-11-22T16:30:00.000Z', score: 45, routeId: 'executive', createdAt: '2026-11-20T14:00:00.000Z' },
      { requestId: '0b8e1d2c-3f4a-4b5c-8d6e-7f8091a2b3c4', dealId: '456', dealName: null, requester: 'sam.csm@acme.example', stepLabel: 'Finance', dueAt: null, score: 72, routeId: 'executive', createdAt: '2026-11-19T08:00:00.000Z' },
    ],
  },
  empty: { items: [] },
} satisfies Record<string, InboxAnswer>;

export const errorAnswers = {
  justificationMissing: {
    error: { code: 'bad_request', message: 'invalid body', details: [{ path: 'body.justification', message: 'a justification is required' }], requestId: 'req-400' },
  },
  commentMissing: {
    error: { code: 'bad_request', message: 'invalid body', details: [{ path: 'body.comment', message: 'a comment is required to reject' }], requestId: 'req-400' },
  },
  reasonTooLong: {
    error: { code: 'bad_request', message: 'invalid body', details: [{ path: 'body.reason', message: 'at most 2000 characters' }], requestId: 'req-400' },
  },
  notYourStep: { error: { code: 'forbidden', message: 'The Finance step does not wait on you.', requestId: 'req-403' } },
  staleVersion: { error: { code: 'conflict', message: 'The request is at version 4; you saw version 3.', requestId: 'req-409' } },
  databaseDown: { error: { code: 'unavailable', message: 'the database is unavailable; retry shortly', requestId: 'req-503' } },
  badSignature: { error: { code: 'unauthorized', message: 'the request signature does not match', requestId: 'req-401' } },
  unknownDeal: { error: { code: 'not_found', message: 'no deal 123 in portal 4242', requestId: 'req-404' } },
} satisfies Record<string, ErrorAnswer>;

/** An earlier request of the deal, withdrawn at its first step. */
export const EARLIER_REQUEST_ID = '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d';

export const requestHistories = {
  /** The pending request and two earlier ones, newest first. */
  threeRequests: {
    dealId: DEAL_ID,
    more: false,
    requests: [
      pendingRequest,
      { ...rejectedRequest, id: '9c8b7a6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d', createdAt: '2026-11-10T09:00:00.000Z' },
      {
        ...pendingRequest, id: EARLIER_REQUEST_ID, state: 'withdrawn', version: 2, currentStepIndex: null, createdAt: '2026-11-01T09:00:00.000Z',
        closedAt: '2026-11-02T09:00:00.000Z', outcomeNote: 'withdrawn by rita.rep@acme.example: wrong amount',
        steps: pendingRequest.steps.map((step) => ({ ...step, status: 'skipped' as const, decisions: [], waitingOn: [] })),
      },
    ],
  },
  onlyTheCurrent: { dealId: DEAL_ID, more: false, requests: [pendingRequest] },
} satisfies Record<string, RequestHistory>;
