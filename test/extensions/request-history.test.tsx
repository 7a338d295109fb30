// The tab card's earlier requests, rendered by HubSpot's test renderer against a fake service behind hubspot.fetch:
// nothing is asked until the viewer asks, then every earlier request shows newest first with its decisions.
import { Button, LoadingSpinner, Tile } from '@hubspot/ui-extensions';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { answer, cardPath, expectIdentity, fakeService, loaded, ok, renderTab, screen } from './harness.js';
import { cardViews, DEAL_ID, EARLIER_REQUEST_ID, errorAnswers, REP, REQUEST_ID, requestHistories } from './fixtures.js';

afterEach(() => {
  vi.restoreAllMocks();
});

const historyPath = `/api/v1/deals/${DEAL_ID}/requests`;

describe('the tab card\'s earlier requests', () => {
  it('are asked for only when the viewer asks, then show newest first with their steps, decisions and comments', async () => {
    const service = fakeService({ [`GET ${cardPath}`]: ok(cardViews.requesterPending), [`GET ${historyPath}`]: ok(requestHistories.threeRequests) });
    const card = renderTab(REP);
    await loaded(card);
    expect(service.sent.map((request) => request.path)).toEqual([cardPath]);

    card.findByTestId(Button, 'show-history').trigger('onClick');
    await vi.waitFor(() => expect(card.maybeFind(Tile, (tile) => String(tile.props.testId).startsWith('history-'))).not.toBeNull());
    expect(service.sent.map((request) => `${request.method} ${request.path}`)).toEqual([`GET ${cardPath}`, `GET ${historyPath}`]);
    expectIdentity(service.sent[1]!, REP);

    const tiles = card.findAll(Tile, (tile) => String(tile.props.testId).startsWith('history-'));
    // The current request is the card's own section; the history lists the two before it, newest first.
    expect(tiles.map((tile) => tile.props.testId)).toEqual([`history-${requestHistories.threeRequests.requests[1]!.id}`, `history-${EARLIER_REQUEST_ID}`]);
    expect(tiles.some((tile) => tile.props.testId === `history-${REQUEST_ID}`)).toBe(false);
    const rejected = tiles[0]!.toString();
    expect(rejected).toContain('Rejected');
    expect(rejected).toContain('Net 60 needs a signed credit check first.');
    expect(rejected).toContain('Fine given the multi-year term.');
    const withdrawn = tiles[1]!.toString();
    expect(withdrawn).toContain('Withdrawn');
    expect(withdrawn).toContain('withdrawn by rita.rep@acme.example: wrong amount');
  });

  it('says when there is no earlier request', async () => {
    fakeService({ [`GET ${cardPath}`]: ok(cardViews.requesterPending), [`GET ${historyPath}`]: ok(requestHistories.onlyTheCurrent) });
    const card = renderTab(REP);
    await loaded(card);
    card.findByTestId(Button, 'show-history').trigger('onClick');
    await vi.waitFor(() => expect(screen(card)).toContain('No earlier requests for this deal.'));
  });

  it('shows the service\'s reason when it fails, and asks again on retry', async () => {
    const service = fakeService({ [`GET ${cardPath}`]: ok(cardViews.requesterPending), [`GET ${historyPath}`]: [answer(503, errorAnswers.databaseDown), ok(requestHistories.threeRequests)] });
    const card = renderTab(REP);
    await loaded(card);
    card.findByTestId(Button, 'show-history').trigger('onClick');
    await vi.waitFor(() => expect(screen(card)).toContain('Couldn\'t load earlier requests: the database is unavailable; retry shortly'));
    card.findByTestId(Button, 'retry-history').trigger('onClick');
    await vi.waitFor(() => expect(card.findAll(Tile, (tile) => String(tile.props.testId).startsWith('history-'))).toHaveLength(2));
    expect(card.maybeFind(LoadingSpinner)).toBeNull();
    expect(service.sent.filter((request) => request.path === historyPath)).toHaveLength(2);
  });

  it('is not offered on a deal without a request', async () => {
    fakeService({ [`GET ${cardPath}`]: ok(cardViews.repCanRequest) });
    const card = renderTab(REP);
    await loaded(card);
    expect(card.maybeFind(Button, (button) => button.props.testId === 'show-history')).toBeNull();
  });
});
