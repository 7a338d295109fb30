// The scorecard tab's outcomes on HubSpot's test renderer: each figure against its baseline and target with its
// status and trend, and the period's rollbacks; then editing the targets and choosing the baseline.
import { Flex, ProgressBar, StatusTag, Table, Tabs } from '@hubspot/ui-extensions';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeService, loaded, ok, screen, type Reply } from './harness.js';
import { ADMIN, overviews, scorecards } from './settings-fixtures.js';
import { ADMIN_API, renderSettings } from './settings-harness.js';

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
