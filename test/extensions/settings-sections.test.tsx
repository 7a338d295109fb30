// The settings page's other tabs on HubSpot's test renderer: the rollout (flag, posture now and its history, who
// administers), delegations (list, add, end) and incidents (list, packet, resolve with a note), and rolling back.
import { Button, DateInput, Input, LoadingButton, Select, Tabs, TextArea, ToggleGroup } from '@hubspot/ui-extensions';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { answer, fakeService, loaded, ok, screen, type Reply } from './harness.js';
import {
  ADMIN, adminLists, delegationLists, delegationWrites, flagChanged, incidentLists, incidentPackets, incidentResolutions, overviews,
  postureHistories, postures, scorecards, validations,
} from './settings-fixtures.js';
import { ADMIN_API, change, renderSettings } from './settings-harness.js';

afterEach(() => {
  vi.restoreAllMocks();
});

const policyPath = `${ADMIN_API}/policy`;

async function openTab(tab: string, routes: Record<string, Reply | Reply[]>) {
  const service = fakeService({
    [`GET ${policyPath}`]: ok(overviews.running), [`POST ${ADMIN_API}/policy/validate`]: ok(validations.valid), ...routes,
  });
  const page = renderSettings(ADMIN);
  await loaded(page);
  page.find(Tabs).trigger('onSelectedChange', tab as unknown as never);
  await vi.waitFor(() => expect(page.find(Tabs).props.selected).toBe(tab));
  await loaded(page);
  return { service, page };
}

describe('the rollout tab', () => {
  const rollout = {
    [`GET ${ADMIN_API}/posture`]: ok(postures.degraded),
    [`GET ${ADMIN_API}/posture/history`]: ok(postureHistories.twoChanges),
    [`GET ${ADMIN_API}/admins`]: ok(adminLists.read),
  };

  it('says what each flag setting means, the posture now and why, every transition, and who administers', async () => {
    const { page } = await openTab('rollout', rollout);
    const text = screen(page);
    expect(text).toContain('Now: Shadow. Scores, routes, requests and traces as a preview');
    expect(page.find(ToggleGroup, { name: 'flag' }).props.options.map((option) => option.label)).toEqual(['Off', 'Shadow', 'On']);
    expect(text).toContain('degraded');
    expect(text).toContain('SLA breaches: 3 of 20 decided steps (15%) over the 10% bound');
    expect(text).toContain('all signals within bounds');
    expect(text).toContain('owner@acme.example');
    expect(text).toContain(ADMIN.email);
  });

  it('turns the flag on against the flag version the admin saw, then reloads the overview', async () => {
    const { page, service } = await openTab('rollout', { ...rollout, [`PUT ${ADMIN_API}/flag`]: ok(flagChanged) });
    expect(page.findByTestId(LoadingButton, 'apply-flag').props.disabled).toBe(true);
    change(page.find(ToggleGroup, { name: 'flag' }), 'on');
    page.findByTestId(LoadingButton, 'apply-flag').trigger('onClick');
    await vi.waitFor(() => expect(page.mocks.actions.addAlert.callCount).toBe(1));
    expect(service.sent.find((request) => request.method === 'PUT')!.body).toEqual({ flag: 'on', expectedVersion: 4, idempotencyKey: expect.any(String) });
    expect(page.mocks.actions.addAlert.calls[0]![0]).toMatchObject({ type: 'success', title: 'Approval routing is on' });
    await vi.waitFor(() => expect(service.sent.filter((request) => request.path === policyPath)).toHaveLength(2));
  });

  it('says when HubSpot\'s super admins could not be read, and when posture never changed', async () => {
    const { page } = await openTab('rollout', {
      ...rollout, [`GET ${ADMIN_API}/admins`]: ok(adminLists.scopeMissing), [`GET ${ADMIN_API}/posture/history`]: ok(postureHistories.none),
    });
    expect(screen(page)).toContain('HubSpot\'s users could not be read: the app lacks the settings.users.read scope');
    expect(screen(page)).toContain('No posture change recorded yet.');
  });
});

describe('the delegations tab', () => {
  const listPath = `${ADMIN_API}/delegations`;

  it('lists every away window in the portal for an admin, and ends one against the list\'s version', async () => {
    const { page, service } = await openTab('delegations', {
      [`GET ${listPath}`]: ok(delegationLists.portal),
      [`DELETE ${listPath}/${delegationLists.portal.delegations[0]!.id}`]: ok(delegationWrites.ended),
    });
    expect(service.sent.find((request) => request.path === listPath)!.url.searchParams.get('all')).toBe('true');
    expect(screen(page)).toContain('Away windows in this portal');
    expect(screen(page)).toContain('Fin One (fin.one@acme.example)');

    const id = delegationLists.portal.delegations[0]!.id;
    page.findByTestId(LoadingButton, `end-${id}`).trigger('onClick');
    await vi.waitFor(() => expect(page.mocks.actions.addAlert.callCount).toBe(1));
    const end = service.sent.find((request) => request.method === 'DELETE')!;
    expect(end.body).toBeUndefined();
    expect(end.url.searchParams.get('expectedVersion')).toBe('7');
    expect(end.url.searchParams.get('idempotencyKey')).toMatch(/.+/);
    await vi.waitFor(() => expect(service.sent.filter((request) => request.path === listPath)).toHaveLength(2));
  });

  it('adds an away window for anyone, from the first day\'s midnight to the midnight after the last, in the portal\'s zone', async () => {
    const { page, service } = await openTab('delegations', {
      [`GET ${listPath}`]: ok(delegationLists.emptyPortal), [`POST ${listPath}`]: answer(201, delegationWrites.added),
    });
    expect(screen(page)).toContain('No away window is set.');
    change(page.find(Input, { name: 'from' }), 'fin.one@acme.example');
    change(page.find(Input, { name: 'to' }), 'anna.manager@acme.example');
    change(page.find(DateInput, { name: 'first' }), { year: 2026, month: 11, date: 7 });
    change(page.find(DateInput, { name: 'last' }), { year: 2026, month: 11, date: 11 });
    page.findByTestId(LoadingButton, 'add-delegation').trigger('onClick');
    await vi.waitFor(() => expect(page.mocks.actions.addAlert.callCount).toBe(1));
    expect(service.sent.find((request) => request.method === 'POST' && request.path === listPath)!.body).toEqual({
      from: 'fin.one@acme.example', to: 'anna.manager@acme.example',
      startsAt: '2026-12-07T05:00:00.000Z', endsAt: '2026-12-12T05:00:00.000Z', expectedVersion: 0, idempotencyKey: expect.any(String),
    });
  });

  it('shows the service\'s field problems on their inputs', async () => {
    const refusal = { error: { code: 'bad_request', message: 'The away window is not valid.', details: [{ path: 'body.to', message: 'is not a user in this portal' }] } };
    const { page } = await openTab('delegations', { [`GET ${listPath}`]: ok(delegationLists.emptyPortal), [`POST ${listPath}`]: answer(400, refusal) });
    change(page.find(Input, { name: 'from' }), 'fin.one@acme.example');
    change(page.find(Input, { name: 'to' }), 'nobody@acme.example');
    change(page.find(DateInput, { name: 'first' }), { year: 2026, month: 11, date: 7 });
    change(page.find(DateInput, { name: 'last' }), { year: 2026, month: 11, date: 7 });
    page.findByTestId(LoadingButton, 'add-delegation').trigger('onClick');
    await vi.waitFor(() => expect(page.find(Input, { name: 'to' }).props.validationMessage).toBe('is not a user in this portal'));
    expect(page.mocks.actions.addAlert.callCount).toBe(0);
  });
});

describe('the incidents tab', () => {
  const listPath = `${ADMIN_API}/incidents`;
  const breach = incidentPackets.breach;

  it('lists the open incidents, gate overrides among them', async () => {
    const { page, service } = await openTab('incidents', { [`GET ${listPath}`]: ok(incidentLists.open) });
    expect(service.sent.find((request) => request.path === listPath)!.url.searchParams.get('state')).toBe('open');
    expect(screen(page)).toContain('gate_override');
    expect(screen(page)).toContain('Version 3 activated over the promotion gate (simulated, routable missing): Quarter end.');
  });

  it('opens a packet (deal snapshot, policy hash, traces, what happened) and resolves it with a note', async () => {
    const { page, service } = await openTab('incidents', {
      [`GET ${listPath}`]: ok(incidentLists.open),
      [`GET ${listPath}/76`]: [ok(breach), ok({ ...incidentResolutions.breach.incident, packet: breach.packet })],
      [`POST ${listPath}/76/resolve`]: ok(incidentResolutions.breach),
    });
    page.findByTestId(Button, 'open-76').trigger('onClick');
    await vi.waitFor(() => expect(screen(page)).toContain('deal.amount'));
    const text = screen(page);
    expect(text).toContain('contractsent');
    expect(text).toContain('traces[1]');
    expect(text).toContain('no decision by the due time');
    expect(text).toContain('Follow-up task 9001 for owner@acme.example');

    expect(page.findByTestId(LoadingButton, 'resolve').props.disabled).toBe(true);
    change(page.findByTestId(TextArea, 'resolve-note'), 'Called finance; approved by phone.');
    page.findByTestId(LoadingButton, 'resolve').trigger('onClick');
    await vi.waitFor(() => expect(page.mocks.actions.addAlert.callCount).toBe(1));
    expect(service.sent.find((request) => request.path === `${listPath}/76/resolve`)!.body).toEqual({ note: 'Called finance; approved by phone.', idempotencyKey: expect.any(String) });
    await vi.waitFor(() => expect(screen(page)).toContain('Note: Called finance; approved by phone.'));
    expect(page.maybeFindByTestId(LoadingButton, 'resolve')).toBeNull();
  });

  it('says why the list could not load and loads it again on retry, keeping the rest of the page', async () => {
    const unavailable = { error: { code: 'unavailable', message: 'The service cannot reach its database right now.', requestId: 'req-9' } };
    const { page, service } = await openTab('incidents', { [`GET ${listPath}`]: [answer(503, unavailable), ok(incidentLists.open)] });
    expect(screen(page)).toContain('Couldn\'t load the incidents');
    expect(screen(page)).toContain('Reference: req-9');
    expect(page.find(Tabs)).toBeDefined();
    page.findByTestId(Button, 'retry-incidents').trigger('onClick');
    await vi.waitFor(() => expect(screen(page)).toContain('gate_override'));
    expect(service.sent.filter((request) => request.path === listPath)).toHaveLength(2);
  });

    it('says so when nothing is open', async () => {
    const { page } = await openTab('incidents', { [`GET ${listPath}`]: ok(incidentLists.none) });
    expect(screen(page)).toContain('No open incident.');
  });
});

describe('rolling back', () => {
  it('rolls back to the last stable version with a reason, against the active version the admin saw', async () => {
    const rolledBack = {
      active: { ...overviews.running.versions[2]!, isActive: true }, previous: { ...overviews.running.versions[1]!, isActive: false }, incidentId: '78',
    };
    const { page, service } = await openTab('policy', {
      [`GET ${ADMIN_API}/policy/candidate`]: answer(404, { error: { code: 'not_found', message: 'No candidate is staged.' } }),
      [`POST ${ADMIN_API}/policy/rollback`]: ok(rolledBack),
    });
    expect(screen(page)).toContain('To version 1 (Default approvals)');
    expect(page.findByTestId(LoadingButton, 'roll-back').props.disabled).toBe(true);
    change(page.findByTestId(TextArea, 'rollback-reason'), 'Finance asked for the old routes back.');
    page.findByTestId(LoadingButton, 'roll-back').trigger('onClick');
    await vi.waitFor(() => expect(page.mocks.actions.addAlert.callCount).toBe(1));
    expect(service.sent.find((request) => request.path === `${ADMIN_API}/policy/rollback`)!.body)
      .toEqual({ reason: 'Finance asked for the old routes back.', expectedActiveVersion: 2, idempotencyKey: expect.any(String) });
    expect(page.mocks.actions.addAlert.calls[0]![0]).toMatchObject({ title: 'Rolled back to version 1', message: 'Version 2 is no longer active; incident 78 records why.' });
  });
});

describe('the scorecard tab', () => {
  const scorecardPath = '/api/v1/scorecard';

  it('shows the last 30 days: requests, approval rate, cycle times overall and by route, breaches, re-approvals, approvers', async () => {
    const { page, service } = await openTab('scorecard', { [`GET ${scorecardPath}`]: ok(scorecards.month) });
    const query = service.sent.find((request) => request.path === scorecardPath)!.url.searchParams;
    const from = Date.parse(query.get('from')!);
    const to = Date.parse(query.get('to')!);
    expect((to - from) / 86_400_000).toBe(30);
    expect(to).toBeGreaterThan(Date.now());
    const text = screen(page);
    expect(text).toContain('83.3%');
    expect(text).toContain('15 approved, 3 rejected');
    expect(text).toContain('30 min');
    expect(text).toContain('p90 30 h over 18');
    expect(text).toContain('1 of 2');
    expect(text).toContain('finance');
    expect(text).toContain('15 min');
    expect(text).toContain('10 approved, 2 rejected');
  });

  it('asks for another period when the admin picks one, and says when the period had no request', async () => {
    const { page, service } = await openTab('scorecard', { [`GET ${scorecardPath}`]: ok(scorecards.none) });
    expect(screen(page)).toContain('No requests in this period');
    change(page.find(Select, { name: 'period' }), 7);
    await vi.waitFor(() => expect(service.sent.filter((request) => request.path === scorecardPath)).toHaveLength(2));
    const query = service.sent.filter((request) => request.path === scorecardPath)[1]!.url.searchParams;
    expect((Date.parse(query.get('to')!) - Date.parse(query.get('from')!)) / 86_400_000).toBe(7);
  });
});
