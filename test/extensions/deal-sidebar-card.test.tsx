// The deal sidebar card: what waits on the viewer here, and a quick approve or reject with a comment.
import { Alert, Button, EmptyState, ErrorState, LoadingButton, LoadingSpinner, TextArea } from '@hubspot/ui-extensions';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cardViews, errorAnswers, FINANCE, MANAGER, REP, REQUEST_ID, requestAnswers } from './fixtures.js';
import {
  answer, cardPath, connectionLost, expectIdentity, fakeService, loaded, loadedAgain, ok, renderSidebar, screen, typeInto, viaLocalProxy,
} from './harness.js';

afterEach(() => {
  vi.restoreAllMocks();
});

const decisionPath = `/api/v1/requests/${REQUEST_ID}/decisions`;

describe('the sidebar card', () => {
  it('shows a spinner while it loads, then what waits on the approver: who asks, why, the score and the due time', async () => {
    const service = fakeService({ [`GET ${cardPath}`]: ok(cardViews.approverCanDecide) });
    const card = renderSidebar(FINANCE);
    expect(card.find(LoadingSpinner)).toBeDefined();
    await loaded(card);
    const text = screen(card);

    expectIdentity(service.sent[0]!, FINANCE);
    expect(text).toContain('Waiting on you');
    expect(text).toContain('rita.rep@acme.example, Nov 20, 2026, 9:00 AM');
    expect(text).toContain('Strategic logo; the 22% discount is matched by a 3-year term.');
    expect(text).toContain('Step “Finance” waits on you, due Nov 22, 2026, 11:30 AM.');
    expect(card.findByTestId(LoadingButton, 'approve')).toBeDefined();
    expect(card.findByTestId(LoadingButton, 'reject')).toBeDefined();
    expect(card.maybeFind(TextArea, { name: 'justification' })).toBeNull();
  });

  it('approves in one click and tells HubSpot to refresh the deal', async () => {
    const service = fakeService({ [`GET ${cardPath}`]: ok(cardViews.approverCanDecide), [`POST ${decisionPath}`]: ok(requestAnswers.decided) });
    const card = renderSidebar(FINANCE);
    await loaded(card);

    card.findByTestId(LoadingButton, 'approve').trigger('onClick');
    await card.waitFor(() => expect(card.mocks.actions.addAlert.callCount).toBe(1));

    const post = service.sent.find((request) => request.method === 'POST')!;
    expect(post.body).toEqual({ verdict: 'approve', expectedVersion: 3, idempotencyKey: expect.any(String) });
    expectIdentity(post, FINANCE);
    expect(card.mocks.actions.addAlert.calls[0]![0]).toMatchObject({ type: 'success', title: 'Approved' });
    expect(card.mocks.actions.refreshObjectProperties.callCount).toBe(1);
    await loadedAgain(card, service, 2);
  });

  it('rejects only with a comment, and sends the comment', async () => {
    const service = fakeService({ [`GET ${cardPath}`]: ok(cardViews.approverCanDecide), [`POST ${decisionPath}`]: ok(requestAnswers.rejected) });
    const card = renderSidebar(FINANCE);
    await loaded(card);

    card.findByTestId(LoadingButton, 'reject').trigger('onClick');
    expect(card.find(TextArea, { name: 'comment' }).props.error).toBe(true);
    expect(service.sent.filter((request) => request.method === 'POST')).toHaveLength(0);

    typeInto(card.find(TextArea, { name: 'comment' }), 'Credit check first.');
    card.findByTestId(LoadingButton, 'reject').trigger('onClick');
    await card.waitFor(() => expect(card.mocks.actions.addAlert.callCount).toBe(1));
    expect(service.sent.find((request) => request.method === 'POST')!.body)
      .toEqual({ verdict: 'reject', comment: 'Credit check first.', expectedVersion: 3, idempotencyKey: expect.any(String) });
    await loadedAgain(card, service, 2);
  });

  it('shows the service\'s 403 and 409 messages on a quick decision', async () => {
    const service = fakeService({
      [`GET ${cardPath}`]: ok(cardViews.approverCanDecide),
      [`POST ${decisionPath}`]: [viaLocalProxy(errorAnswers.notYourStep), answer(409, errorAnswers.staleVersion)],
    });
    const card = renderSidebar(FINANCE);
    await loaded(card);

    card.findByTestId(LoadingButton, 'approve').trigger('onClick');
    await card.waitFor(() => expect(screen(card)).toContain('The Finance step does not wait on you.'));
    card.findByTestId(LoadingButton, 'approve').trigger('onClick');
    await card.waitFor(() => expect(screen(card)).toContain('The request is at version 4; you saw version 3.'));
    card.findByTestId(Button, 'reload-after-conflict').trigger('onClick');
    await loadedAgain(card, service, 2);
    expect(card.mocks.actions.addAlert.callCount).toBe(0);
  });

  it('never offers the requester a decision on their own request, and says who it waits on', async () => {
    fakeService({ [`GET ${cardPath}`]: ok({ ...cardViews.requesterPending, actions: { request: false, withdraw: true, decide: true } }) });
    const card = renderSidebar(REP);
    await loaded(card);

    expect(card.maybeFind(LoadingButton)).toBeNull();
    expect(card.findByTestId(EmptyState, 'nothing-to-approve').props.title).toBe('Nothing waits on you here');
    expect(screen(card)).toContain('Step “Finance” waits on fin.one@acme.example, fin.two@acme.example.');
  });

  it('says nothing waits on an approver whose step is done', async () => {
    fakeService({ [`GET ${cardPath}`]: ok(cardViews.managerAlreadyDecided) });
    const card = renderSidebar(MANAGER);
    await loaded(card);

    expect(card.findByTestId(EmptyState, 'nothing-to-approve')).toBeDefined();
    expect(screen(card)).toContain('Your step is decided; the request now waits on Finance.');
    expect(card.maybeFind(LoadingButton)).toBeNull();
  });

  it('says the app is off, and labels shadow mode as a preview', async () => {
    fakeService({ [`GET ${cardPath}`]: [ok(cardViews.off)] });
    const off = renderSidebar(FINANCE);
    await loaded(off);
    expect(off.find(EmptyState).props.title).toBe('Approval routing is off for this portal');
    vi.restoreAllMocks();

    fakeService({ [`GET ${cardPath}`]: ok({ ...cardViews.approverCanDecide, mode: 'shadow' }) });
    const shadow = renderSidebar(FINANCE);
    await loaded(shadow);
    expect(shadow.findByTestId(Alert, 'shadow-banner')).toBeDefined();
  });

  it('offers a retry when it cannot load', async () => {
    const service = fakeService({ [`GET ${cardPath}`]: [connectionLost(), ok(cardViews.approverCanDecide)] });
    const card = renderSidebar(FINANCE);
    await loaded(card);

    expect(card.find(ErrorState)).toBeDefined();
    card.findByTestId(Button, 'retry-load').trigger('onClick');
    await loadedAgain(card, service, 2);
    expect(card.findByTestId(LoadingButton, 'approve')).toBeDefined();
  });
});
