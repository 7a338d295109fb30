// The deal record tab card, rendered by HubSpot's test renderer against a fake service behind hubspot.fetch.
import {
  Alert, Button, EmptyState, ErrorState, LoadingButton, LoadingSpinner, StatisticsItem, StatusTag, Table, TableRow, TextArea,
} from '@hubspot/ui-extensions';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  answer, cardPath, connectionLost, created, expectIdentity, fakeService, loaded, loadedAgain, ok, renderTab, screen, typeInto, viaLocalProxy,
  type Reply,
} from './harness.js';
import { cardViews, errorAnswers, FINANCE, MANAGER, REP, REQUEST_ID, requestAnswers, routedPreview } from './fixtures.js';
import type { RoutePreview } from '../../extensions/app/cards/api-types.js';

afterEach(() => {
  vi.restoreAllMocks();
});

const requestPath = '/api/v1/deals/123/requests';
const decisionPath = `/api/v1/requests/${REQUEST_ID}/decisions`;
const withdrawPath = `/api/v1/requests/${REQUEST_ID}/withdraw`;
const KEY = /^[A-Za-z0-9_.:-]{8,128}$/;

describe('the tab card while it loads or fails', () => {
  it('shows a spinner until the service answers, asking with the viewer\'s identity', async () => {
    const service = fakeService({ [`GET ${cardPath}`]: 'never' });
    const card = renderTab(REP);

    expect(card.find(LoadingSpinner).props.label).toBe('Loading approvals');
    await vi.waitFor(() => expect(service.sent).toHaveLength(1));
    expect(card.find(LoadingSpinner)).toBeDefined();
    expect(service.sent[0]!.method).toBe('GET');
    expect(service.sent[0]!.timeout).toBe(15_000);
    expectIdentity(service.sent[0]!, REP);
  });

  it('shows the service\'s reason when loading fails, and loads again on retry', async () => {
    const service = fakeService({ [`GET ${cardPath}`]: [answer(503, errorAnswers.databaseDown), ok(cardViews.repCanRequest)] });
    const card = renderTab(REP);
    await loaded(card);

    const error = card.find(ErrorState);
    expect(error.props.title).toBe('Couldn\'t load approvals for this deal');
    expect(screen(card)).toContain('the database is unavailable; retry shortly');
    expect(screen(card)).toContain('req-503');

    card.findByTestId(Button, 'retry-load').trigger('onClick');
    await loadedAgain(card, service, 2);
    expect(card.maybeFind(ErrorState)).toBeNull();
    expect(card.find(StatisticsItem).props.number).toBe(45);
  });

  it('says so when it cannot reach the service at all', async () => {
    fakeService({ [`GET ${cardPath}`]: connectionLost() });
    const card = renderTab(REP);
    await loaded(card);
    expect(screen(card)).toContain('Could not reach the approval service');
    expect(card.findByTestId(Button, 'retry-load')).toBeDefined();
  });
});

describe('the tab card in each state', () => {
  it('shows the rep the score, each factor, the route with approvers and SLAs, and the request form', async () => {
    fakeService({ [`GET ${cardPath}`]: ok(cardViews.repCanRequest) });
    const card = renderTab(REP);
    await loaded(card);
    const text = screen(card);

    expect(card.find(StatisticsItem).props).toMatchObject({ label: 'Approval score', number: 45 });
    expect(card.findByTestId(Table, 'score-factors').findAll(TableRow)).toHaveLength(4); // header + 3 factors
    for (const expected of ['Discount', '22', '35', 'Payment terms', 'net_60', 'Contract term', 'missing', 'contract_term_months is not set on the deal']) {
      expect(text).toContain(expected);
    }
    expect(text).toContain('Executive review');
    expect(text).toContain('Step 1: Sales manager');
    expect(text).toContain('Anna Manager (anna.manager@acme.example): sales_manager of team EMEA');
    expect(text).toContain('24 hours');
    expect(text).toContain('Step 2: Finance');
    expect(text).toContain('2 of 3 approvers');
    expect(text).toContain('2 days');
    expect(text).toContain('standing in for fin.lead@acme.example');
    expect(text).toContain('a requester never approves their own request');

    expect(card.find(TextArea, { name: 'justification' }).props.required).toBe(true);
    expect(card.findByTestId(LoadingButton, 'send-request').text).toBe('Request approval');
    expect(text).toContain('It will go to Sales manager (Anna Manager), then Finance (Fin One, fin.two@acme.example, Fin Three).');
  });

  it('words a step\'s SLA in minutes under an hour and in hours with their fraction', async () => {
    const [first, second] = routedPreview.steps as [RoutePreview['steps'][number], RoutePreview['steps'][number]];
    const preview = { ...routedPreview, steps: [{ ...first, slaHours: 0.5 }, { ...second, slaHours: 1.5 }] };
    fakeService({ [`GET ${cardPath}`]: ok({ ...cardViews.repCanRequest, preview }) });
    const card = renderTab(REP);
    await loaded(card);
    const text = screen(card);
    expect(text).toContain('30 minutes');
    expect(text).toContain('1.5 hours');
  });

  it('never shows a rep the approve or reject buttons, even on their own pending request', async () => {
    fakeService({ [`GET ${cardPath}`]: ok({ ...cardViews.requesterPending, actions: { request: false, withdraw: true, decide: true } }) });
    const card = renderTab(REP);
    await loaded(card);

    expect(card.maybeFindByTestId(LoadingButton, 'approve')).toBeNull();
    expect(card.maybeFindByTestId(LoadingButton, 'reject')).toBeNull();
    expect(card.findByTestId(LoadingButton, 'withdraw').text).toBe('Withdraw request');
  });

  it('shows the requester each step\'s status, the decisions with comments and times, and who is waited on', async () => {
    fakeService({ [`GET ${cardPath}`]: ok(cardViews.requesterPending) });
    const card = renderTab(REP);
    await loaded(card);
    const text = screen(card);

    const tags = card.findAll(StatusTag).map((tag) => tag.text);
    expect(tags).toEqual(['Pending', 'Approved', 'Waiting for approval']);
    expect(text).toContain('Requested by');
    expect(text).toContain('Strategic logo; the 22% discount is matched by a 3-year term.');
    expect(text).toContain('Anna Manager approved on Nov 20, 2026, 11:30 AM');
    expect(text).toContain('Fine given the multi-year term.');
    expect(text).toContain('Fin Three for fin.lead@acme.example approved on Nov 21, 2026, 4:15 AM');
    expect(text).toContain('due Nov 22, 2026, 11:30 AM');
    expect(text).toContain('Waiting on: fin.one@acme.example, fin.two@acme.example');
    expect(text).toContain('You cannot decide a request you made.');
    expect(card.maybeFind(TextArea, { name: 'justification' })).toBeNull();
  });

  it('says when a step passed its SLA and was escalated', async () => {
    fakeService({ [`GET ${cardPath}`]: ok(cardViews.requesterEscalated) });
    const card = renderTab(REP);
    await loaded(card);
    expect(screen(card)).toContain('Past its SLA: escalated Nov 22, 2026');
  });

  it('gives the approver the decision and never the request form', async () => {
    fakeService({ [`GET ${cardPath}`]: ok({ ...cardViews.approverCanDecide, actions: { request: true, withdraw: false, decide: true } }) });
    const card = renderTab(FINANCE);
    await loaded(card);

    expect(card.findByTestId(LoadingButton, 'approve').text).toBe('Approve');
    expect(card.findByTestId(LoadingButton, 'reject').text).toBe('Reject');
    expect(screen(card)).toContain('Step “Finance” waits on you, due Nov 22, 2026, 11:30 AM.');
    expect(card.maybeFind(TextArea, { name: 'justification' })).toBeNull();
    expect(card.maybeFindByTestId(LoadingButton, 'withdraw')).toBeNull();
  });

  it('tells the approver beside the decision when HubSpot sync is delayed', async () => {
    fakeService({ [`GET ${cardPath}`]: ok(cardViews.approverSyncDelayed) });
    const card = renderTab(FINANCE);
    await loaded(card);

    expect(card.findByTestId(LoadingButton, 'approve').text).toBe('Approve');
    expect(screen(card)).toContain('HubSpot sync delayed until 2026-11-22 00:00 UTC: the portal\'s daily HubSpot budget is spent; approvals are recorded here and reach the deal then');
  });

  it('tells an approver with nothing open that there is nothing to approve, and why', async () => {
    fakeService({ [`GET ${cardPath}`]: ok(cardViews.approverNothingOpen) });
    const card = renderTab(FINANCE);
    await loaded(card);

    expect(card.findByTestId(EmptyState, 'nothing-to-approve').props.title).toBe('Nothing to approve');
    expect(screen(card)).toContain('Only the deal owner can request approval.');
    expect(card.maybeFind(LoadingButton)).toBeNull();
  });

  it('shows an approver whose step is decided who the request now waits on, without buttons', async () => {
    fakeService({ [`GET ${cardPath}`]: ok(cardViews.managerAlreadyDecided) });
    const card = renderTab(MANAGER);
    await loaded(card);

    expect(screen(card)).toContain('Waiting on: fin.one@acme.example, fin.two@acme.example');
    expect(screen(card)).toContain('Your step is decided; the request now waits on Finance.');
    expect(card.maybeFind(LoadingButton)).toBeNull();
  });

  it('says the app is off for this portal and shows nothing else', async () => {
    fakeService({ [`GET ${cardPath}`]: ok(cardViews.off) });
    const card = renderTab(REP);
    await loaded(card);

    expect(card.find(EmptyState).props.title).toBe('Approval routing is off for this portal');
    expect(screen(card)).toContain('Approval routing is off for this portal.');
    expect(card.maybeFind(StatisticsItem)).toBeNull();
    expect(card.maybeFind(LoadingButton)).toBeNull();
  });

  it('labels everything as a preview in shadow mode', async () => {
    fakeService({ [`GET ${cardPath}`]: ok(cardViews.shadow) });
    const card = renderTab(REP);
    await loaded(card);

    expect(card.findByTestId(Alert, 'shadow-banner').props.title).toBe('Preview: shadow mode');
    expect(screen(card)).toContain('nothing here is enforced yet');
    expect(card.find(StatisticsItem).props.label).toBe('Approval score (preview)');
    expect(screen(card)).toContain('Route a request would take (preview)');
  });

  it('shows why a deal is unroutable and offers no request', async () => {
    fakeService({ [`GET ${cardPath}`]: ok(cardViews.unroutable) });
    const card = renderTab(REP);
    await loaded(card);

    const alert = card.findByTestId(Alert, 'unroutable');
    expect(alert.props).toMatchObject({ title: 'No route fits this deal', variant: 'danger' });
    expect(screen(card)).toContain('No route matched: amount is missing and the policy has no catch-all route.');
    expect(screen(card)).toContain('A request cannot be sent while no route fits this deal.');
    expect(card.maybeFind(TextArea, { name: 'justification' })).toBeNull();
    expect(card.maybeFindByTestId(EmptyState, 'nothing-to-approve')).toBeNull();
  });

  it('says when a deal needs no approval at all', async () => {
    fakeService({ [`GET ${cardPath}`]: ok(cardViews.autoApproved) });
    const card = renderTab(REP);
    await loaded(card);

    expect(card.findByTestId(Alert, 'auto-approved').props.title).toBe('No approval needed');
    expect(screen(card)).toContain('Score 5 is below every review threshold');
  });

  it('shows a rejected request with the rejection comment, and lets the rep ask again', async () => {
    fakeService({ [`GET ${cardPath}`]: ok(cardViews.rejectedCanRequestAgain) });
    const card = renderTab(REP);
    await loaded(card);

    expect(card.findAll(StatusTag).map((tag) => tag.text)).toEqual(['Rejected', 'Approved', 'Rejected']);
    expect(screen(card)).toContain('Net 60 needs a signed credit check first.');
    expect(screen(card)).toContain('Rejected at step Finance.');
    expect(card.find(TextArea, { name: 'justification' })).toBeDefined();
  });
});

// ---- actions ---------------------------------------------------------------------------------------------

type Card = ReturnType<typeof renderTab>;

interface ActionCase {
  name: string;
  viewer: { email: string; userId: string };
  view: unknown;
  path: string;
  success: Reply;
  /** Fills the inputs and presses the button. */
  act(card: Card): void;
  expectedBody: Record<string, unknown>;
  badRequest: unknown;
  field: string;
}

const actionCases: ActionCase[] = [
  {
    name: 'request approval',
    viewer: REP, view: cardViews.repCanRequest, path: requestPath, success: created(requestAnswers.created),
    act(card) {
      typeInto(card.find(TextArea, { name: 'justification' }), '  Strategic logo, 3-year term.  ');
      card.findByTestId(LoadingButton, 'send-request').trigger('onClick');
    },
    expectedBody: { justification: 'Strategic logo, 3-year term.' },
    badRequest: errorAnswers.justificationMissing, field: 'justification',
  },
  {
    name: 'approve',
    viewer: FINANCE, view: cardViews.approverCanDecide, path: decisionPath, success: ok(requestAnswers.decided),
    act(card) {
      card.findByTestId(LoadingButton, 'approve').trigger('onClick');
    },
    expectedBody: { verdict: 'approve', expectedVersion: 3 },
    badRequest: errorAnswers.commentMissing, field: 'comment',
  },
  {
    name: 'reject',
    viewer: FINANCE, view: cardViews.approverCanDecide, path: decisionPath, success: ok(requestAnswers.rejected),
    act(card) {
      typeInto(card.find(TextArea, { name: 'comment' }), 'Net 60 needs a credit check.');
      card.findByTestId(LoadingButton, 'reject').trigger('onClick');
    },
    expectedBody: { verdict: 'reject', comment: 'Net 60 needs a credit check.', expectedVersion: 3 },
    badRequest: errorAnswers.commentMissing, field: 'comment',
  },
  {
    name: 'withdraw',
    viewer: REP, view: cardViews.requesterPending, path: withdrawPath, success: ok(requestAnswers.withdrawn),
    act(card) {
      typeInto(card.find(TextArea, { name: 'reason' }), 'Customer paused the deal.');
      card.findByTestId(LoadingButton, 'withdraw').trigger('onClick');
    },
    expectedBody: { reason: 'Customer paused the deal.', expectedVersion: 3 },
    badRequest: errorAnswers.reasonTooLong, field: 'reason',
  },
];

async function openCard(action: ActionCase, reply: Reply | Reply[]) {
  const service = fakeService({ [`GET ${cardPath}`]: ok(action.view), [`POST ${action.path}`]: reply });
  const card = renderTab(action.viewer);
  await loaded(card);
  return { service, card };
}

function posts(service: ReturnType<typeof fakeService>) {
  return service.sent.filter((request) => request.method === 'POST');
}

describe.each(actionCases)('the tab card\'s $name', (action) => {
  it('sends the right request, then alerts, refreshes the deal\'s properties and reloads', async () => {
    const { service, card } = await openCard(action, action.success);
    action.act(card);
    await card.waitFor(() => expect(card.mocks.actions.addAlert.callCount).toBe(1));

    const [sent] = posts(service);
    expect(sent!.path).toBe(action.path);
    expect(sent!.timeout).toBe(15_000);
    expectIdentity(sent!, action.viewer);
    expect(sent!.body).toEqual({ ...action.expectedBody, idempotencyKey: expect.stringMatching(KEY) });
    expect(card.mocks.actions.addAlert.calls[0]![0]).toMatchObject({ type: 'success' });
    expect(card.mocks.actions.refreshObjectProperties.callCount).toBe(1);
    await loadedAgain(card, service, 2);
  });

  it('shows a 400\'s field problems on the field and in the error', async () => {
    const { card } = await openCard(action, answer(400, action.badRequest));
    action.act(card);
    await card.waitFor(() => expect(card.maybeFindByTestId(Alert, 'action-error')).not.toBeNull());

    const detail = (action.badRequest as typeof errorAnswers.commentMissing).error.details[0]!;
    expect(card.find(TextArea, { name: action.field }).props).toMatchObject({ error: true, validationMessage: detail.message });
    expect(card.findByTestId(Alert, 'action-error').props.title).toBe('Check what you entered');
    expect(screen(card)).toContain(`${detail.path}: ${detail.message}`);
    expect(card.mocks.actions.addAlert.callCount).toBe(0);
    expect(card.mocks.actions.refreshObjectProperties.callCount).toBe(0);
  });

  it('shows a 403\'s own message, even wrapped by the local dev proxy', async () => {
    const { card } = await openCard(action, viaLocalProxy(errorAnswers.notYourStep));
    action.act(card);
    await card.waitFor(() => expect(card.maybeFindByTestId(Alert, 'action-error')).not.toBeNull());

    expect(card.findByTestId(Alert, 'action-error').props.title).toBe('You can’t do this');
    expect(screen(card)).toContain('The Finance step does not wait on you.');
    expect(card.mocks.actions.refreshObjectProperties.callCount).toBe(0);
  });

  it('explains a 409 and reloads the latest version on demand', async () => {
    const { service, card } = await openCard(action, answer(409, errorAnswers.staleVersion));
    action.act(card);
    await card.waitFor(() => expect(card.maybeFindByTestId(Alert, 'action-error')).not.toBeNull());

    expect(card.findByTestId(Alert, 'action-error').props.title).toBe('This request changed since you loaded it');
    expect(screen(card)).toContain('The request is at version 4; you saw version 3.');
    card.findByTestId(Button, 'reload-after-conflict').trigger('onClick');
    await loadedAgain(card, service, 2);
  });

  it('survives a lost connection, and a resend reuses the key so the action cannot land twice', async () => {
    const { service, card } = await openCard(action, [connectionLost(), action.success]);
    action.act(card);
    await card.waitFor(() => expect(card.maybeFindByTestId(Alert, 'action-error')).not.toBeNull());
    expect(card.findByTestId(Alert, 'action-error').props.title).toBe('No connection to the approval service');
    expect(screen(card)).toContain('Sending it again is safe');

    action.act(card);
    await card.waitFor(() => expect(card.mocks.actions.addAlert.callCount).toBe(1));
    const [first, second] = posts(service);
    expect(second!.body!.idempotencyKey).toBe(first!.body!.idempotencyKey);
  });
});

describe('the tab card\'s inputs', () => {
  it('does not send a request without a justification, and says it is required', async () => {
    const service = fakeService({ [`GET ${cardPath}`]: ok(cardViews.repCanRequest) });
    const card = renderTab(REP);
    await loaded(card);

    typeInto(card.find(TextArea, { name: 'justification' }), '   ');
    card.findByTestId(LoadingButton, 'send-request').trigger('onClick');

    expect(card.find(TextArea, { name: 'justification' }).props).toMatchObject({ error: true, validationMessage: 'A justification is required.' });
    expect(posts(service)).toHaveLength(0);
  });

  it('does not reject without a comment, and says why one is needed', async () => {
    const service = fakeService({ [`GET ${cardPath}`]: ok(cardViews.approverCanDecide) });
    const card = renderTab(FINANCE);
    await loaded(card);

    card.findByTestId(LoadingButton, 'reject').trigger('onClick');

    expect(card.find(TextArea, { name: 'comment' }).props).toMatchObject({ error: true, validationMessage: 'Say why you reject: the requester sees it.' });
    expect(posts(service)).toHaveLength(0);
  });

  it('shows the button loading while the request is on its way', async () => {
    fakeService({ [`GET ${cardPath}`]: ok(cardViews.repCanRequest), [`POST ${requestPath}`]: 'never' });
    const card = renderTab(REP);
    await loaded(card);

    typeInto(card.find(TextArea, { name: 'justification' }), 'Needs it.');
    card.findByTestId(LoadingButton, 'send-request').trigger('onClick');
    await card.waitFor(() => expect(card.findByTestId(LoadingButton, 'send-request').props.loading).toBe(true));
  });

  it('uses a fresh idempotency key for each new action after a definite answer', async () => {
    const service = fakeService({
      [`GET ${cardPath}`]: ok(cardViews.repCanRequest),
      [`POST ${requestPath}`]: [answer(403, errorAnswers.notYourStep), created(requestAnswers.created)],
    });
    const card = renderTab(REP);
    await loaded(card);

    typeInto(card.find(TextArea, { name: 'justification' }), 'Needs it.');
    card.findByTestId(LoadingButton, 'send-request').trigger('onClick');
    await card.waitFor(() => expect(card.maybeFindByTestId(Alert, 'action-error')).not.toBeNull());
    card.findByTestId(LoadingButton, 'send-request').trigger('onClick');
    await card.waitFor(() => expect(card.mocks.actions.addAlert.callCount).toBe(1));

    const [first, second] = posts(service);
    expect(second!.body!.idempotencyKey).not.toBe(first!.body!.idempotencyKey);
  });

  it('marks the success alert as a preview in shadow mode', async () => {
    fakeService({ [`GET ${cardPath}`]: ok(cardViews.shadow), [`POST ${requestPath}`]: created(requestAnswers.created) });
    const card = renderTab(REP);
    await loaded(card);

    typeInto(card.find(TextArea, { name: 'justification' }), 'Needs it.');
    card.findByTestId(LoadingButton, 'send-request').trigger('onClick');
    await card.waitFor(() => expect(card.mocks.actions.addAlert.callCount).toBe(1));
    expect(card.mocks.actions.addAlert.calls[0]![0]).toMatchObject({ type: 'success', title: 'Approval requested (preview)' });
  });
});
