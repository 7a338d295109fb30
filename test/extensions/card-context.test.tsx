// What both cards take from HubSpot beside the viewer: which service to call (the SERVICE_URL profile variable, from
// context.variables) and the deal's hs_lastmodifieddate (from useCrmProperties), sent as a freshness hint on the card view.
import { Button, ErrorState, LoadingButton } from '@hubspot/ui-extensions';
import { useEffect, useState } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HINT_WAIT_MS } from '../../extensions/app/cards/use-card-view.js';
import { cardViews, errorAnswers, FINANCE, REP, REQUEST_ID, requestAnswers } from './fixtures.js';
import {
  answer, cardPath, crmProperties, crmPropertiesLoading, expectIdentity, fakeService, loaded, loadedAgain, ok, renderSidebar, renderTab, screen,
  type CrmPropertiesHook,
} from './harness.js';

afterEach(() => {
  vi.restoreAllMocks();
});

const MODIFIED_AT = '1764750000123';

const known = (value: string | null): CrmPropertiesHook => () => crmProperties({ hs_lastmodifieddate: value });

/** HubSpot hands the property over `afterMs` after the card mounts. */
function arrivesAfter(afterMs: number, value: string): CrmPropertiesHook {
  return function useArrivingLater() {
    const [arrived, setArrived] = useState(false);
    useEffect(() => {
      const timer = setTimeout(() => setArrived(true), afterMs);
      return () => clearTimeout(timer);
    }, []);
    return arrived ? crmProperties({ hs_lastmodifieddate: value }) : crmPropertiesLoading;
  };
}

const cardViewsSent = (service: { sent: { path: string; url: URL }[] }) => service.sent.filter((request) => request.path === cardPath);

describe('the freshness hint', () => {
  it('sends the deal\'s hs_lastmodifieddate with the card view, in milliseconds, and asks HubSpot for that property alone', async () => {
    const service = fakeService({ [`GET ${cardPath}`]: ok(cardViews.repCanRequest) });
    const card = renderTab(REP, { crmProperties: known(MODIFIED_AT) });
    await loaded(card);

    expect(cardViewsSent(service)).toHaveLength(1);
    expectIdentity(service.sent[0]!, REP, { dealModifiedAt: MODIFIED_AT });
    expect(card.mocks.useCrmProperties.calls.every(([names]) => JSON.stringify(names) === '["hs_lastmodifieddate"]')).toBe(true);
  });

  it('converts an ISO time to milliseconds, and sends no hint for a value it cannot read', async () => {
    const service = fakeService({ [`GET ${cardPath}`]: ok(cardViews.repCanRequest) });
    await loaded(renderTab(REP, { crmProperties: known('2025-12-03T08:20:00.123Z') }));
    await loaded(renderTab(REP, { crmProperties: known('not a time') }));
    await loaded(renderTab(REP, { crmProperties: known(null) }));
    await loaded(renderTab(REP)); // HubSpot's test renderer answers `fake_hs_lastmodifieddate`

    expect(cardViewsSent(service).map((request) => request.url.searchParams.get('dealModifiedAt')))
      .toEqual([String(Date.UTC(2025, 11, 3, 8, 20, 0, 123)), null, null, null]);
  });

  it('sends it on the card view only: never on an action, and again on the reload after one', async () => {
    const decisionPath = `/api/v1/requests/${REQUEST_ID}/decisions`;
    const service = fakeService({ [`GET ${cardPath}`]: ok(cardViews.approverCanDecide), [`POST ${decisionPath}`]: ok(requestAnswers.decided) });
    const card = renderSidebar(FINANCE, { crmProperties: known(MODIFIED_AT) });
    await loaded(card);

    card.findByTestId(LoadingButton, 'approve').trigger('onClick');
    await card.waitFor(() => expect(card.mocks.actions.addAlert.callCount).toBe(1));
    await loadedAgain(card, service, 2);

    expect(service.sent.map((request) => `${request.method} ${request.url.searchParams.get('dealModifiedAt')}`))
      .toEqual([`GET ${MODIFIED_AT}`, 'POST null', `GET ${MODIFIED_AT}`]);
    expectIdentity(service.sent[1]!, FINANCE);
  });

  it('waits for HubSpot to hand the property over before the first request, so that request carries it', async () => {
    const service = fakeService({ [`GET ${cardPath}`]: ok(cardViews.repCanRequest) });
    const card = renderTab(REP, { crmProperties: arrivesAfter(150, MODIFIED_AT) });
    await loaded(card);

    // Without waiting, a first request would have gone out without the hint.
    expect(cardViewsSent(service).map((request) => request.url.searchParams.get('dealModifiedAt'))).toEqual([MODIFIED_AT]);
  });

  it('waits at most HINT_WAIT_MS when HubSpot does not answer, then asks without the hint; a later hint goes with the next load', async () => {
    const service = fakeService({ [`GET ${cardPath}`]: [answer(503, errorAnswers.databaseDown), ok(cardViews.repCanRequest)] });
    const started = Date.now();
    const card = renderTab(REP, { crmProperties: arrivesAfter(HINT_WAIT_MS + 300, MODIFIED_AT) });

    await vi.waitFor(() => expect(cardViewsSent(service)).toHaveLength(1), { timeout: HINT_WAIT_MS + 2_000 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(HINT_WAIT_MS - 20);
    expect(cardViewsSent(service)[0]!.url.searchParams.get('dealModifiedAt')).toBeNull();
    await loaded(card);

    // The property arrives afterwards: no request for it alone, but the next load (here a retry) carries it.
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(cardViewsSent(service)).toHaveLength(1);
    card.findByTestId(Button, 'retry-load').trigger('onClick');
    await loadedAgain(card, service, 2);
    expect(cardViewsSent(service)[1]!.url.searchParams.get('dealModifiedAt')).toBe(MODIFIED_AT);
  });

  it('does not wait when HubSpot reports an error for the property', async () => {
    const service = fakeService({ [`GET ${cardPath}`]: ok(cardViews.repCanRequest) });
    const failed: CrmPropertiesHook = () => ({ ...crmPropertiesLoading, isLoading: false, error: new Error('Failed to fetch CRM properties') });
    const started = Date.now();
    await loaded(renderTab(REP, { crmProperties: failed }));

    expect(Date.now() - started).toBeLessThan(HINT_WAIT_MS);
    expect(cardViewsSent(service).map((request) => request.url.searchParams.get('dealModifiedAt'))).toEqual([null]);
  });
});

describe('the service URL', () => {
  it('is the SERVICE_URL profile variable HubSpot hands the card', async () => {
    const service = fakeService({ [`GET ${cardPath}`]: ok(cardViews.repCanRequest) });
    await loaded(renderTab(REP, { variables: { SERVICE_URL: 'https://approvals.acme.example' } }));
    expect(service.sent[0]!.url.origin).toBe('https://approvals.acme.example');
  });

  it('missing, the cards say the app was uploaded without it and call nothing', async () => {
    const service = fakeService({ [`GET ${cardPath}`]: ok(cardViews.repCanRequest) });
    for (const card of [renderTab(REP, { variables: {} }), renderSidebar(FINANCE, { variables: undefined })]) {
      await loaded(card);
      expect(card.find(ErrorState).props.title).toBe('Couldn\'t load approvals for this deal');
      expect(screen(card)).toContain('the app was uploaded without a valid SERVICE_URL profile variable');
      expect(card.findByTestId(Button, 'retry-load')).toBeDefined();
    }
    expect(service.sent).toEqual([]);
  });
});
