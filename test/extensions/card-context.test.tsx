// What both cards take from HubSpot beside the viewer: which service to call (the SERVICE_URL profile variable, from
// context.variables).
import { Button, ErrorState } from '@hubspot/ui-extensions';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cardViews, FINANCE, REP } from './fixtures.js';
import { cardPath, fakeService, loaded, ok, renderSidebar, renderTab, screen } from './harness.js';

afterEach(() => {
  vi.restoreAllMocks();
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
