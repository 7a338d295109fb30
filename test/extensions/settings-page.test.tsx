// The settings page on HubSpot's test renderer: how it loads and fails, a portal with nothing yet, and the policy
// tab's draft, simulation and promotion gate.
import { Button, Checkbox, EmptyState, ErrorState, LoadingButton, LoadingSpinner, TextArea } from '@hubspot/ui-extensions';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { answer, fakeService, loaded, ok, screen } from './harness.js';
import {
  activations, ADMIN, candidates, DRAFT_SOURCE, errors, gateRefusal, gates, overviews, saved, SEEKER, simulations, validations,
} from './settings-fixtures.js';
import { ADMIN_API, change, renderSettings } from './settings-harness.js';

afterEach(() => {
  vi.restoreAllMocks();
});

const policyPath = `${ADMIN_API}/policy`;
const validatePath = `${ADMIN_API}/policy/validate`;
const simulatePath = `${ADMIN_API}/policy/simulate`;

describe('the settings page', () => {
  it('shows a spinner while the policy loads, asking as the viewer', async () => {
    const service = fakeService({ [`GET ${policyPath}`]: 'never' });
    const page = renderSettings(ADMIN);
    expect(page.find(LoadingSpinner).props.label).toBe('Loading the approval settings');
    await vi.waitFor(() => expect(service.sent).toHaveLength(1));
    expect(Object.fromEntries(service.sent[0]!.url.searchParams)).toMatchObject({ userEmail: ADMIN.email, userId: ADMIN.userId });
  });

  it('says why it could not load, in the service\'s words, and loads again on retry', async () => {
    const service = fakeService({ [`GET ${policyPath}`]: [answer(503, errors.unavailable), ok(overviews.running)] });
    const page = renderSettings(ADMIN);
    await loaded(page);
    expect(page.find(ErrorState).props.title).toBe('Couldn\'t load the approval settings');
    expect(screen(page)).toContain('The service cannot reach its database right now.');
    expect(screen(page)).toContain('Reference: req-503');

    page.findByTestId(Button, 'retry-load').trigger('onClick');
    await vi.waitFor(() => expect(page.maybeFind(ErrorState)).toBeNull());
    await loaded(page);
    expect(service.sent.filter((request) => request.path === policyPath)).toHaveLength(2);
    expect(screen(page)).toContain('2: Regional finance');
  });

  it('tells someone who is not an admin so, and still offers their own away windows', async () => {
    fakeService({
      [`GET ${policyPath}`]: answer(403, errors.notAdmin),
      [`GET ${ADMIN_API}/delegations`]: ok({ scope: 'mine', version: 2, delegations: [] }),
    });
    const page = renderSettings(SEEKER);
    await vi.waitFor(() => expect(page.maybeFindByTestId(EmptyState, 'not-an-admin')).not.toBeNull());
    await loaded(page);
    expect(screen(page)).toContain('Only the portal’s super admins and the admins listed in settings administer Approval Router.');
    expect(screen(page)).toContain('Set your away window');
    expect(screen(page)).toContain(`You (${SEEKER.email}) are away.`);
  });

  it('says the app is not installed in the portal', async () => {
    fakeService({ [`GET ${policyPath}`]: answer(404, errors.notInstalled) });
    const page = renderSettings(ADMIN);
    await vi.waitFor(() => expect(page.maybeFindByTestId(ErrorState, 'not-installed')).not.toBeNull());
    expect(screen(page)).toContain('Portal 4242 has not installed Approval Router.');
  });

  it('shows an empty portal: no active policy, no version, nothing to check, nothing to save', async () => {
    const service = fakeService({ [`GET ${policyPath}`]: ok(overviews.empty) });
    const page = renderSettings(ADMIN);
    await loaded(page);
    expect(page.findByTestId(EmptyState, 'no-active-policy')).toBeDefined();
    expect(screen(page)).toContain('No version has been saved yet.');
    expect(screen(page)).toContain('Write or paste a policy to check it.');
    expect(page.maybeFindByTestId(Button, 'roll-back')).toBeNull();
    expect(page.findByTestId(LoadingButton, 'save-draft').props.disabled).toBe(true);
    expect(page.findByTestId(LoadingButton, 'simulate').props.disabled).toBe(true);
    expect(service.sent.map((request) => request.path)).toEqual([policyPath]);
  });
});

describe('the policy draft', () => {
  it('lists every problem the service\'s validator finds, with its path, once the admin pauses', async () => {
    const service = fakeService({ [`GET ${policyPath}`]: ok(overviews.empty), [`POST ${validatePath}`]: ok(validations.invalid) });
    const page = renderSettings(ADMIN);
    await loaded(page);

    change(page.findByTestId(TextArea, 'policy-draft'), 'name: Broken\nroutes: [');
    expect(page.findByTestId(LoadingSpinner, 'validation-checking')).toBeDefined();
    await vi.waitFor(() => expect(screen(page)).toContain('The draft has 2 problems'), { timeout: 3000 });

    const checks = service.sent.filter((request) => request.path === validatePath);
    expect(checks).toHaveLength(1);
    expect(checks[0]!.body).toEqual({ source: 'name: Broken\nroutes: [' });
    expect(screen(page)).toContain('routes[0].steps[1].quorum');
    expect(screen(page)).toContain('must be at most the number of approvers (2)');
    expect(screen(page)).toContain('(the whole document)');
    expect(page.findByTestId(TextArea, 'policy-draft').props.error).toBe(true);
    expect(page.findByTestId(LoadingButton, 'save-draft').props.disabled).toBe(true);
    expect(page.findByTestId(LoadingButton, 'simulate').props.disabled).toBe(true);
  });

  it('shows the simulation running, then what the draft would change on the last 90 days\' deals', async () => {
    const service = fakeService({
      [`GET ${policyPath}`]: ok(overviews.running),
      [`POST ${validatePath}`]: ok(validations.valid),
      [`POST ${simulatePath}`]: [ok(simulations.withUnroutable)],
    });
    let finish: (response: Response) => void = () => undefined;
    // The fake records the simulation; its answer waits until the test lets it through.
    const fake = service.spy.getMockImplementation()!;
    service.spy.mockImplementation((input, options) => {
      const reply = fake(input, options);
      return new URL(String(input)).pathname === simulatePath ? new Promise<Response>((resolve) => { finish = resolve; }) : reply;
    });
    const page = renderSettings(ADMIN);
    await loaded(page);

    change(page.findByTestId(TextArea, 'policy-draft'), DRAFT_SOURCE);
    await vi.waitFor(() => expect(page.findByTestId(LoadingButton, 'simulate').props.disabled).toBe(false), { timeout: 3000 });
    page.findByTestId(LoadingButton, 'simulate').trigger('onClick');
    await vi.waitFor(() => expect(page.maybeFindByTestId(LoadingSpinner, 'simulation-running')).not.toBeNull());
    expect(page.findByTestId(LoadingButton, 'simulate').props.loading).toBe(true);
    const sent = service.sent.find((request) => request.path === simulatePath)!;
    expect(sent.body).toEqual({ source: DRAFT_SOURCE });
    expect(sent.timeout).toBe(60_000);

    finish(Response.json(simulations.withUnroutable));
    await vi.waitFor(() => expect(page.maybeFindByTestId(LoadingSpinner, 'simulation-running')).toBeNull());
    const text = screen(page);
    expect(text).toContain('Deals simulated');
    expect(text).toContain('Routes changed');
    expect(text).toContain('Globex pilot');
    expect(text).toContain('no route matches amount 0');
    expect(text).toContain('fin.one@acme.example');
    expect(text).toContain('Deals of 90 days from 25 request snapshots, 15 card evaluations, each counted once; ran in 0.8 s.');
    expect(text).toContain('Acme renewal (123)');
    expect(text).toContain('sales · score 30');
    expect(text).toContain('finance · score 55');
  });

  it('shows the service\'s refusal of a draft it cannot simulate, each problem with its path', async () => {
    const refusal = { error: { code: 'bad_request', message: 'The draft does not validate.', details: [{ path: 'body.source: routes[0].when', message: 'unknown factor amountt' }] } };
    fakeService({
      [`GET ${policyPath}`]: ok(overviews.running), [`POST ${validatePath}`]: ok(validations.valid), [`POST ${simulatePath}`]: answer(400, refusal),
    });
    const page = renderSettings(ADMIN);
    await loaded(page);
    change(page.findByTestId(TextArea, 'policy-draft'), DRAFT_SOURCE);
    await vi.waitFor(() => expect(page.findByTestId(LoadingButton, 'simulate').props.disabled).toBe(false), { timeout: 3000 });
    page.findByTestId(LoadingButton, 'simulate').trigger('onClick');
    await vi.waitFor(() => expect(screen(page)).toContain('body.source: routes[0].when: unknown factor amountt'));
    expect(screen(page)).toContain('Check what you entered');
  });

    it('sends the acceptance of unroutable deals with the admin\'s reason', async () => {
    const accepted = {
      ...simulations.withUnroutable,
      unroutableDeals: {
        total: 1, accepted: 1,
        deals: [{ ...simulations.withUnroutable.unroutableDeals.deals[0]!, accepted: { reason: 'Pilots are free', by: ADMIN.email, at: '2026-12-03T12:01:00.000Z' } }],
      },
    };
    const service = fakeService({
      [`GET ${policyPath}`]: ok(overviews.running),
      [`POST ${validatePath}`]: ok(validations.valid),
      [`POST ${simulatePath}`]: [ok(simulations.withUnroutable), ok(accepted)],
    });
    const page = renderSettings(ADMIN);
    await loaded(page);
    change(page.findByTestId(TextArea, 'policy-draft'), DRAFT_SOURCE);
    await vi.waitFor(() => expect(page.findByTestId(LoadingButton, 'simulate').props.disabled).toBe(false), { timeout: 3000 });
    page.findByTestId(LoadingButton, 'simulate').trigger('onClick');
    await vi.waitFor(() => expect(page.maybeFindByTestId(TextArea, 'accept-reason')).not.toBeNull());

    change(page.findByTestId(TextArea, 'accept-reason'), 'Pilots are free');
    page.findByTestId(Button, 'accept-unroutable').trigger('onClick');
    await vi.waitFor(() => expect(page.maybeFindByTestId(TextArea, 'accept-reason')).toBeNull());
    const runs = service.sent.filter((request) => request.path === simulatePath);
    expect(runs[1]!.body).toEqual({ source: DRAFT_SOURCE, accept: [{ dealId: '987', reason: 'Pilots are free' }] });
  });

  it('saves a valid draft as a version and offers to stage or activate it', async () => {
    const service = fakeService({
      [`GET ${policyPath}`]: ok(overviews.running),
      [`POST ${validatePath}`]: ok(validations.valid),
      [`POST ${ADMIN_API}/policy/versions`]: answer(201, saved),
    });
    const page = renderSettings(ADMIN);
    await loaded(page);
    change(page.findByTestId(TextArea, 'policy-draft'), DRAFT_SOURCE);
    await vi.waitFor(() => expect(page.findByTestId(LoadingButton, 'save-draft').props.disabled).toBe(false), { timeout: 3000 });
    page.findByTestId(LoadingButton, 'save-draft').trigger('onClick');
    await vi.waitFor(() => expect(page.mocks.actions.addAlert.callCount).toBe(1));

    expect(service.sent.find((request) => request.path === `${ADMIN_API}/policy/versions`)!.body)
      .toEqual({ source: DRAFT_SOURCE, expectedActiveVersion: 2, idempotencyKey: expect.any(String) });
    expect(page.mocks.actions.addAlert.calls[0]![0]).toMatchObject({ type: 'success', title: 'Saved as version 3' });
    await vi.waitFor(() => expect(page.maybeFindByTestId(Button, 'activate-draft')).not.toBeNull());
    expect(page.findByTestId(LoadingButton, 'stage-draft').text).toBe('Stage version 3 in shadow');
  });
});

describe('the candidate in shadow', () => {
  it('shows how the staged version disagrees with the active one, deal by deal, and offers to activate it', async () => {
    const service = fakeService({
      [`GET ${policyPath}`]: ok(overviews.running), [`POST ${validatePath}`]: ok(validations.valid),
      [`GET ${ADMIN_API}/policy/candidate`]: ok(candidates.staged),
      [`GET ${ADMIN_API}/policy/versions/3/gate`]: ok(gates.passed),
    });
    const page = renderSettings(ADMIN);
    await loaded(page);
    await vi.waitFor(() => expect(screen(page)).toContain('Deals that disagree'));
    const text = screen(page);
    expect(text).toContain('In shadow: version 3');
    expect(text).toContain('90.3%');
    expect(text).toContain('route, approvers');
    expect(text).toContain('route sales · score 30 · manager: anna.manager@acme.example');
    expect(text).toContain('route finance · score 55 · cfo: fin.one@acme.example');
    expect(text).toContain('(3 views)');

    page.findByTestId(Button, 'activate-candidate').trigger('onClick');
    await vi.waitFor(() => expect(page.maybeFindByTestId(LoadingButton, 'activate')).not.toBeNull());
    expect(service.sent.map((request) => request.path)).toContain(`${ADMIN_API}/policy/versions/3/gate`);
  });

  it('stages a saved version in shadow from the history', async () => {
    const service = fakeService({
      [`GET ${policyPath}`]: ok(overviews.running), [`POST ${validatePath}`]: ok(validations.valid),
      [`GET ${ADMIN_API}/policy/candidate`]: ok(candidates.staged),
      [`POST ${ADMIN_API}/policy/versions/1/stage`]: ok({ candidate: { version: 1, name: 'Default approvals', hash: 'a1'.repeat(32), stagedBy: ADMIN.email, stagedAt: '2026-12-03T12:00:00.000Z' }, changed: true }),
    });
    const page = renderSettings(ADMIN);
    await loaded(page);
    page.findByTestId(Button, 'stage-1').trigger('onClick');
    await vi.waitFor(() => expect(page.mocks.actions.addAlert.callCount).toBe(1));
    expect(service.sent.find((request) => request.path === `${ADMIN_API}/policy/versions/1/stage`)!.body).toEqual({});
    expect(page.mocks.actions.addAlert.calls[0]![0]).toMatchObject({ type: 'success', title: 'Version 1 runs in shadow' });
  });
});

describe('the promotion gate', () => {
  const gatePath = `${ADMIN_API}/policy/versions/3/gate`;
  const activatePath = `${ADMIN_API}/policy/candidate/promote`;

  async function openActivation(routes: Parameters<typeof fakeService>[0], button = 'activate-3') {
    const service = fakeService({
      [`GET ${policyPath}`]: ok(overviews.running), [`POST ${validatePath}`]: ok(validations.valid),
      [`GET ${ADMIN_API}/policy/candidate`]: ok(candidates.staged), ...routes,
    });
    const page = renderSettings(ADMIN);
    await loaded(page);
    page.findByTestId(Button, button).trigger('onClick');
    await vi.waitFor(() => expect(page.maybeFindByTestId(LoadingButton, 'activate')).not.toBeNull());
    return { service, page };
  }

  it('lists what blocks the version and refuses to activate it without an override and a reason', async () => {
    const { page, service } = await openActivation({ [`GET ${gatePath}`]: ok(gates.blocked) });
    const text = screen(page);
    expect(text).toContain('Simulated on recent deals');
    expect(text).toContain('No simulation of this version ran on the portal’s deals in the last 24 hours.');
    expect(text).toContain('Not required');
    const button = page.findByTestId(LoadingButton, 'activate');
    expect(button.props.disabled).toBe(true);
    expect(button.text).toBe('Override the gate and activate version 3');

    change(page.findByTestId(TextArea, 'activation-reason'), 'Quarter end');
    expect(page.findByTestId(LoadingButton, 'activate').props.disabled).toBe(true);
    expect(service.sent.filter((request) => request.method === 'POST' && request.path === activatePath)).toHaveLength(0);
  });

  it('overrides the gate with a reason and says which incident records it', async () => {
    const { page, service } = await openActivation({ [`GET ${gatePath}`]: ok(gates.blocked), [`POST ${activatePath}`]: ok(activations.overridden) });
    change(page.findByTestId(Checkbox, 'override'), true);
    change(page.findByTestId(TextArea, 'activation-reason'), 'Quarter end: the CFO signs off by hand.');
    expect(page.findByTestId(LoadingButton, 'activate').props.disabled).toBe(false);
    page.findByTestId(LoadingButton, 'activate').trigger('onClick');
    await vi.waitFor(() => expect(page.mocks.actions.addAlert.callCount).toBe(1));

    expect(service.sent.find((request) => request.path === activatePath)!.body).toEqual({
      expectedActiveVersion: 2, override: true, reason: 'Quarter end: the CFO signs off by hand.', idempotencyKey: expect.any(String),
    });
    expect(page.mocks.actions.addAlert.calls[0]![0]).toMatchObject({
      type: 'success', title: 'Version 3 is active', message: 'Activated over the promotion gate; incident 77 records why.',
    });
  });

  it('activates through a passed gate without a reason', async () => {
    const { page, service } = await openActivation({ [`GET ${gatePath}`]: ok(gates.passed), [`POST ${activatePath}`]: ok(activations.throughTheGate) });
    expect(page.maybeFindByTestId(Checkbox, 'override')).toBeNull();
    expect(page.maybeFindByTestId(TextArea, 'activation-reason')).toBeNull();
    page.findByTestId(LoadingButton, 'activate').trigger('onClick');
    await vi.waitFor(() => expect(page.mocks.actions.addAlert.callCount).toBe(1));
    expect(service.sent.find((request) => request.path === activatePath)!.body).toEqual({ expectedActiveVersion: 2, idempotencyKey: expect.any(String) });
  });

  it('warns before re-activating a version posture rolled back, and needs a reason but no override', async () => {
    const reactivated = { ...activations.throughTheGate, version: { ...activations.throughTheGate.version, version: 1 }, warnings: ['Version 1 was rolled back by posture for critical posture.'] };
    const { page, service } = await openActivation({
      [`GET ${ADMIN_API}/policy/versions/1/gate`]: ok(gates.reactivation), [`POST ${ADMIN_API}/policy/versions/1/activate`]: ok(reactivated),
    }, 'activate-1');
    expect(screen(page)).toContain('Version 1 was rolled back by posture for critical posture.');
    expect(page.maybeFindByTestId(Checkbox, 'override')).toBeNull();
    expect(page.findByTestId(TextArea, 'activation-reason').props.label).toBe('Why activate it again?');
    expect(page.findByTestId(LoadingButton, 'activate').props.disabled).toBe(true);
    change(page.findByTestId(TextArea, 'activation-reason'), 'The SLA outage was HubSpot\'s, not the policy.');
    page.findByTestId(LoadingButton, 'activate').trigger('onClick');
    await vi.waitFor(() => expect(page.mocks.actions.addAlert.callCount).toBe(1));
    expect(service.sent.find((request) => request.path === `${ADMIN_API}/policy/versions/1/activate`)!.body)
      .toEqual({ expectedActiveVersion: 2, reason: 'The SLA outage was HubSpot\'s, not the policy.', idempotencyKey: expect.any(String) });
    expect(page.mocks.actions.addAlert.calls[0]![0]).toMatchObject({ type: 'warning', title: 'Version 1 is active' });
  });

  it('shows each step the service\'s gate refused, by name, when it refuses after the page loaded it', async () => {
    const { page } = await openActivation({ [`GET ${gatePath}`]: ok(gates.passed), [`POST ${activatePath}`]: answer(409, gateRefusal) });
    page.findByTestId(LoadingButton, 'activate').trigger('onClick');
    await vi.waitFor(() => expect(screen(page)).toContain('The promotion gate refused the activation'));
    expect(screen(page)).toContain('Every deal routable, or accepted: Simulate it first: the gate counts the deals it cannot route.');
    expect(page.mocks.actions.addAlert.callCount).toBe(0);
  });
});
