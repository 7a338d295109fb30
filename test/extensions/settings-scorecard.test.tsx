// The scorecard tab's outcomes on HubSpot's test renderer: each figure against its baseline and target with its
// status and trend, and the period's rollbacks; then editing the targets and choosing the baseline.
import { Accordion, Alert, Button, Checkbox, Flex, Input, LoadingButton, ProgressBar, StatusTag, Table, Tabs, Text, TextArea } from '@hubspot/ui-extensions';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { answer, fakeService, loaded, ok, screen, type Reply } from './harness.js';
import { ADMIN, baselineAnswers, overviews, scorecards, targetAnswers } from './settings-fixtures.js';
import { ADMIN_API, change, renderSettings } from './settings-harness.js';

afterEach(() => {
  vi.restoreAllMocks();
});

const scorecardPath = '/api/v1/scorecard';

async function openScorecard(routes: Record<string, Reply | Reply[]>) {
  const service = fakeService({ [`GET ${ADMIN_API}/policy`]: ok(overviews.running), ...routes });
  const page = renderSettings(ADMIN);
  await loaded(page);
  page.find(Tabs).trigger('onSelectedChange', 'scorecard' as unknown as never);
  await vi.waitFor(() => expect(page.find(Tabs).props.selected).toBe('scorecard'));
  await loaded(page);
  return { service, page };
}

function bars(page: Awaited<ReturnType<typeof openScorecard>>['page'], testId: string) {
  return page.findByTestId(Flex, testId).findAll(ProgressBar).map((bar) => ({ title: bar.props.title, value: bar.props.value, says: bar.props.valueDescription, variant: bar.props.variant }));
}

describe('the scorecard\'s outcomes', () => {
  it('shows a met target against its baseline and target, with its trend per week', async () => {
    const { page } = await openScorecard({ [`GET ${scorecardPath}`]: ok(scorecards.month) });
    const status = page.findByTestId(StatusTag, 'status-approval_rate-portal');
    expect(status.props.variant).toBe('success');
    expect(status.toString()).toContain('Met');
    const text = page.findByTestId(Table, 'outcome-metrics').toString();
    expect(text).toContain('83.3% (18)');
    expect(text).toContain('80%');
    expect(text).toContain('at least 50% (default)');
    expect(page.findByTestId(Accordion, 'trends').props.title).toBe('Trends, by week');
    expect(bars(page, 'trend-approval_rate-portal')).toEqual([
      { title: 'Nov 4', value: 75, says: '75% (4)', variant: 'success' },
      { title: 'Nov 11', value: 80, says: '80% (4)', variant: 'success' },
      { title: 'Nov 18', value: 100, says: '100% (4)', variant: 'success' },
      { title: 'Nov 25', value: 80, says: '80% (4)', variant: 'success' },
      { title: 'Dec 2', value: 0, says: 'no sample', variant: 'success' },
    ]);
  });

  it('shows a missed target with the reason posture reports, its buckets over the bound in red, and the rollbacks', async () => {
    const { page } = await openScorecard({ [`GET ${scorecardPath}`]: ok(scorecards.month) });
    const status = page.findByTestId(StatusTag, 'status-cycle_p90-finance');
    expect(status.props.variant).toBe('danger');
    expect(status.toString()).toContain('Missed');
    const text = page.findByTestId(Table, 'outcome-metrics').toString();
    expect(text).toContain('Cycle time p90 on route finance: 30 h over the 24 h target (12 requests)');
    expect(text).toContain('at most 24 h (from the SLAs)');
    expect(bars(page, 'trend-cycle_p90-finance').map((bar) => [bar.value, bar.variant])).toEqual([
      [53, 'success'], [76, 'danger'], [91, 'danger'], [100, 'danger'], [0, 'success'],
    ]);
    const rollbacks = page.findByTestId(Flex, 'rollbacks').toString();
    expect(rollbacks).toContain('version 3 rolled back to version 2: posture critical: SLA breaches 40% over the 10% bound');
    expect(screen(page)).toContain('Baseline imported from deals-2025.csv (412 rows) by ada.admin@acme.example');
  });

  it('shows a figure from too few samples as not judged, and one without a target as such', async () => {
    const { page } = await openScorecard({ [`GET ${scorecardPath}`]: ok(scorecards.month) });
    const fewer = page.findByTestId(StatusTag, 'status-reapproval_rate-portal');
    expect(fewer.props.variant).toBe('info');
    expect(fewer.toString()).toContain('Too few samples');
    expect(page.findByTestId(StatusTag, 'status-cycle_p50-sales').toString()).toContain('No target');
    const text = page.findByTestId(Table, 'outcome-metrics').toString();
    expect(text).toContain('10% (4)');
    expect(text).toContain('at most 10%');
    expect(screen(page)).toContain('a figure from fewer than 10 samples is shown, not judged');
    expect(bars(page, 'trend-cycle_p50-sales').map((bar) => bar.says)).toEqual(['15 min (2)', 'no sample', '30 min (2)', '12 min (2)', 'no sample']);
  });

  it('shows each figure against its target alone while the portal has no baseline, and says where one comes from', async () => {
    const { page } = await openScorecard({ [`GET ${scorecardPath}`]: ok(scorecards.noBaseline) });
    const text = page.findByTestId(Table, 'outcome-metrics').toString();
    expect(text.match(/no baseline/g)).toHaveLength(4);
    expect(screen(page)).toContain('No baseline yet: it is computed from the portal\'s first 30 days of requests, or imported from a deals history export.');
    expect(screen(page)).toContain('Default targets;');
    expect(page.findByTestId(StatusTag, 'status-cycle_p90-finance').toString()).toContain('Missed');
  });

  it('says when no version was rolled back in the period', async () => {
    const { page } = await openScorecard({ [`GET ${scorecardPath}`]: ok(scorecards.none) });
    await vi.waitFor(() => expect(page.maybeFindByTestId(Flex, 'rollbacks')).not.toBeNull());
    expect(page.findByTestId(Flex, 'rollbacks').toString()).toContain('No version was rolled back in this period.');
  });
});

const targetsPath = `${ADMIN_API}/scorecard/targets`;
const baselinePath = `${ADMIN_API}/scorecard/baseline`;
const conflict = { error: { code: 'conflict', message: 'Someone changed this since you loaded it (version 4 now, not 3).' } };

describe('editing the targets', () => {
  const routes = { [`GET ${scorecardPath}`]: ok(scorecards.month), [`GET ${baselinePath}`]: ok(baselineAnswers.imported) };

  it('saves the edited targets against the version the admin loaded, then reloads them and the scorecard', async () => {
    const { page, service } = await openScorecard({
      ...routes, [`GET ${targetsPath}`]: [ok(targetAnswers.saved), ok(targetAnswers.changed)], [`PUT ${targetsPath}`]: ok(targetAnswers.changed),
    });
    expect(screen(page)).toContain('Version 3, saved by ada.admin@acme.example');
    expect(page.find(Input, { name: 'slaBreachMax' }).props.value).toBe('10');
    expect(page.find(Input, { name: 'p90-finance' }).props.value).toBe('24');
    change(page.find(Input, { name: 'slaBreachMax' }), '5');
    change(page.find(Input, { name: 'approvalMax' }), '95');
    change(page.find(Input, { name: 'p50-finance' }), '');
    change(page.find(Checkbox, { name: 'fromSla' }), false);
    change(page.find(Input, { name: 'newRoute' }), 'sales');
    page.findByTestId(Button, 'add-route').trigger('onClick');
    await vi.waitFor(() => expect(page.maybeFind(Input, { name: 'p90-sales' })).not.toBeNull());
    change(page.find(Input, { name: 'p90-sales' }), '4');
    page.findByTestId(LoadingButton, 'save-targets').trigger('onClick');
    await vi.waitFor(() => expect(page.mocks.actions.addAlert.callCount).toBe(1));
    expect(service.sent.find((request) => request.method === 'PUT')!.body).toEqual({
      targets: {
        cycle: { fromSla: false, routes: [{ routeId: 'finance', p50Hours: null, p90Hours: 24 }, { routeId: 'sales', p50Hours: null, p90Hours: 4 }] },
        slaBreachRate: { max: 0.05 }, approvalRate: { min: 0.5, max: 0.95 }, reapprovalRate: { max: 0.1 }, windowDays: 7, minSamples: 10,
      },
      expectedVersion: 3, idempotencyKey: expect.any(String),
    });
    expect(page.mocks.actions.addAlert.calls[0]![0]).toMatchObject({ type: 'success', title: 'Targets saved' });
    await vi.waitFor(() => expect(screen(page)).toContain('Version 4, saved by'));
    expect(service.sent.filter((request) => request.path === scorecardPath)).toHaveLength(2);
    expect(page.find(Input, { name: 'slaBreachMax' }).props.value).toBe('5');
  });

  it('shows each of the service\'s 400 problems on the field its path names', async () => {
    const refusal = {
      error: {
        code: 'bad_request', message: 'The targets are not valid.',
        details: [
          { path: 'body.targets.approvalRate.max', message: 'max may not be below min' },
          { path: 'body.targets.cycle.routes[0].p90Hours', message: 'p90 may not be below p50' },
        ],
      },
    };
    const { page } = await openScorecard({ ...routes, [`GET ${targetsPath}`]: ok(targetAnswers.saved), [`PUT ${targetsPath}`]: answer(400, refusal) });
    change(page.find(Input, { name: 'approvalMax' }), '40');
    change(page.find(Input, { name: 'p90-finance' }), '6');
    page.findByTestId(LoadingButton, 'save-targets').trigger('onClick');
    await vi.waitFor(() => expect(page.find(Input, { name: 'approvalMax' }).props.validationMessage).toBe('max may not be below min'));
    expect(page.find(Input, { name: 'p90-finance' }).props.validationMessage).toBe('p90 may not be below p50');
    expect(page.find(Input, { name: 'slaBreachMax' }).props.validationMessage).toBeUndefined();
    expect(page.findByTestId(Alert, 'targets-error').toString()).toContain('body.targets.approvalRate.max: max may not be below min');
    expect(page.mocks.actions.addAlert.callCount).toBe(0);
  });

  it('does not send a field that is not a number, and says which', async () => {
    const { page, service } = await openScorecard({ ...routes, [`GET ${targetsPath}`]: ok(targetAnswers.saved) });
    change(page.find(Input, { name: 'reapprovalMax' }), 'ten');
    change(page.find(Input, { name: 'minSamples' }), '');
    page.findByTestId(LoadingButton, 'save-targets').trigger('onClick');
    await vi.waitFor(() => expect(page.find(Input, { name: 'reapprovalMax' }).props.validationMessage).toBe('a number'));
    expect(page.find(Input, { name: 'minSamples' }).props.validationMessage).toBe('a number');
    expect(service.sent.some((request) => request.method === 'PUT')).toBe(false);
    change(page.find(Input, { name: 'reapprovalMax' }), '10');
    await vi.waitFor(() => expect(page.find(Input, { name: 'reapprovalMax' }).props.validationMessage).toBeUndefined());
  });

  it('says when someone saved targets since, and reloads the latest on request', async () => {
    const { page, service } = await openScorecard({
      ...routes, [`GET ${targetsPath}`]: [ok(targetAnswers.saved), ok(targetAnswers.changed)], [`PUT ${targetsPath}`]: answer(409, conflict),
    });
    change(page.find(Input, { name: 'slaBreachMax' }), '7');
    page.findByTestId(LoadingButton, 'save-targets').trigger('onClick');
    await vi.waitFor(() => expect(page.maybeFindByTestId(Alert, 'targets-error')).not.toBeNull());
    expect(page.findByTestId(Alert, 'targets-error').props.title).toBe('This changed since you loaded it');
    page.findByTestId(Button, 'targets-error-reload').trigger('onClick');
    await vi.waitFor(() => expect(screen(page)).toContain('Version 4, saved by'));
    expect(service.sent.filter((request) => request.path === targetsPath && request.method === 'GET')).toHaveLength(2);
    expect(page.find(Input, { name: 'slaBreachMax' }).props.value).toBe('5');
    expect(page.maybeFindByTestId(Alert, 'targets-error')).toBeNull();
  });
});

describe('the baseline source', () => {
  const routes = { [`GET ${scorecardPath}`]: ok(scorecards.month), [`GET ${targetsPath}`]: ok(targetAnswers.saved) };

  it('shows an imported baseline and resets it to the first 30 days against the version the admin saw', async () => {
    const { page, service } = await openScorecard({
      ...routes, [`GET ${baselinePath}`]: [ok(baselineAnswers.imported), ok(baselineAnswers.firstDays)], [`POST ${baselinePath}`]: ok(baselineAnswers.firstDays),
    });
    expect(page.findByTestId(Text, 'baseline-source').toString()).toContain('Source: imported from deals-2025.csv by ada.admin@acme.example');
    expect(page.findByTestId(Text, 'baseline-source').toString()).toContain('412 rows read, 3 rows skipped');
    expect(screen(page)).toContain('The export has no outcome column: no approval rate.');
    page.findByTestId(LoadingButton, 'reset-baseline').trigger('onClick');
    await vi.waitFor(() => expect(page.mocks.actions.addAlert.callCount).toBe(1));
    expect(service.sent.find((request) => request.method === 'POST' && request.path === baselinePath)!.body).toEqual({ source: 'first_30_days', expectedVersion: 2, idempotencyKey: expect.any(String) });
    await vi.waitFor(() => expect(page.findByTestId(Text, 'baseline-source').toString()).toContain('Source: the first 30 days'));
    expect(page.findByTestId(Text, 'baseline-source').toString()).toContain('57 requests');
    expect(page.maybeFindByTestId(LoadingButton, 'reset-baseline')).toBeNull();
    expect(service.sent.filter((request) => request.path === scorecardPath)).toHaveLength(2);
  });

  it('imports a history export, and shows the service\'s problem with it on the text', async () => {
    const refusal = { error: { code: 'bad_request', message: 'The history is not valid.', details: [{ path: 'body.history', message: 'line 1: expected a header route,step,hours' }] } };
    const { page, service } = await openScorecard({
      ...routes, [`GET ${baselinePath}`]: ok(baselineAnswers.firstDays), [`POST ${baselinePath}`]: [answer(400, refusal), ok(baselineAnswers.imported)],
    });
    expect(page.findByTestId(LoadingButton, 'import-baseline').props.disabled).toBe(true);
    change(page.findByTestId(TextArea, 'baseline-history'), 'finance,cfo,12');
    page.findByTestId(LoadingButton, 'import-baseline').trigger('onClick');
    await vi.waitFor(() => expect(page.findByTestId(TextArea, 'baseline-history').props.validationMessage).toBe('line 1: expected a header route,step,hours'));
    const history = 'route,step,hours\nfinance,cfo,12\n';
    change(page.findByTestId(TextArea, 'baseline-history'), history);
    change(page.find(Input, { name: 'fileName' }), 'deals-2025.csv');
    page.findByTestId(LoadingButton, 'import-baseline').trigger('onClick');
    await vi.waitFor(() => expect(page.mocks.actions.addAlert.callCount).toBe(1));
    expect(service.sent.filter((request) => request.method === 'POST' && request.path === baselinePath)[1]!.body).toEqual({
      source: 'import', history, fileName: 'deals-2025.csv', expectedVersion: 3, idempotencyKey: expect.any(String),
    });
    expect(page.mocks.actions.addAlert.calls[0]![0]).toMatchObject({ title: 'Baseline imported', message: '412 rows read, 3 rows skipped.' });
  });

  it('says when the baseline changed since it loaded, and reloads it on request', async () => {
    const { page, service } = await openScorecard({
      ...routes, [`GET ${baselinePath}`]: [ok(baselineAnswers.imported), ok(baselineAnswers.firstDays)], [`POST ${baselinePath}`]: answer(409, conflict),
    });
    page.findByTestId(LoadingButton, 'reset-baseline').trigger('onClick');
    await vi.waitFor(() => expect(page.maybeFindByTestId(Alert, 'baseline-error')).not.toBeNull());
    page.findByTestId(Button, 'baseline-error-reload').trigger('onClick');
    await vi.waitFor(() => expect(page.findByTestId(Text, 'baseline-source').toString()).toContain('Source: the first 30 days'));
    expect(service.sent.filter((request) => request.path === baselinePath && request.method === 'GET')).toHaveLength(2);
    expect(page.mocks.actions.addAlert.callCount).toBe(0);
  });
});
