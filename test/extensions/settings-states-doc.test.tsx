// docs/settings-states.md: the settings page's states as HubSpot's test renderer renders them (the tree as text),
// made from the fixtures the settings tests use. The test fails when the file is stale; UPDATE_DOCS=1 rewrites it.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { Button, Checkbox, LoadingButton, LoadingSpinner, Tabs, Text, TextArea, Toggle } from '@hubspot/ui-extensions';
import type { Renderer } from '@hubspot/ui-extensions/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { answer, fakeService, loaded, ok, screen, type Reply } from './harness.js';
import {
  ADMIN, adminLists, baselineAnswers, candidates, delegationLists, DRAFT_SOURCE, errors, gates, incidentLists, notificationSettings, overviews,
  postureHistories, postures, scorecards, SEEKER, slackConnections, targetAnswers, validations,
} from './settings-fixtures.js';
import { ADMIN_API, change, renderSettings } from './settings-harness.js';

const DOC = 'docs/settings-states.md';
const policyPath = `${ADMIN_API}/policy`;

interface State {
  title: string;
  viewer?: { email: string; userId: string };
  routes: Record<string, Reply | Reply[]>;
  tab?: string;
  /** What the admin does before the page is written down; resolves once the page shows its result. */
  act?: (page: Renderer<'settings'>) => Promise<void>;
}

const running = {
  [`GET ${policyPath}`]: ok(overviews.running), [`POST ${policyPath}/validate`]: ok(validations.valid),
  [`GET ${policyPath}/candidate`]: ok(candidates.staged),
};
const scorecardRoutes = (scorecard: unknown, targets: unknown, baseline: unknown) => ({
  ...running, [`GET /api/v1/scorecard`]: ok(scorecard),
  [`GET ${ADMIN_API}/scorecard/targets`]: ok(targets), [`GET ${ADMIN_API}/scorecard/baseline`]: ok(baseline),
});

const states: State[] = [
  { title: 'Loading', routes: { [`GET ${policyPath}`]: 'never' } },
  { title: 'The service fails', routes: { [`GET ${policyPath}`]: answer(503, errors.unavailable) } },
  { title: 'Not installed in the portal', routes: { [`GET ${policyPath}`]: answer(404, errors.notInstalled) } },
  {
    title: 'Someone who is not an admin', viewer: SEEKER,
    routes: { [`GET ${policyPath}`]: answer(403, errors.notAdmin), [`GET ${ADMIN_API}/delegations`]: ok(delegationLists.mineEmpty) },
  },
  { title: 'Policy: an empty portal', routes: { [`GET ${policyPath}`]: ok(overviews.empty) } },
  { title: 'Policy: a version active, another staged', routes: running },
  {
    title: 'Policy: an invalid draft', routes: { [`GET ${policyPath}`]: ok(overviews.empty), [`POST ${policyPath}/validate`]: ok(validations.invalid) },
    act: async (page) => {
      change(page.findByTestId(TextArea, 'policy-draft'), 'name: Broken\nroutes: [');
      await vi.waitFor(() => expect(screen(page)).toContain('The draft has 2 problems'), { timeout: 3000 });
    },
  },
  {
    title: 'Policy: the promotion gate blocks a version', routes: { ...running, [`GET ${policyPath}/versions/3/gate`]: ok(gates.blocked) },
    act: async (page) => {
      page.findByTestId(Button, 'activate-3').trigger('onClick');
      await vi.waitFor(() => expect(page.maybeFindByTestId(LoadingButton, 'activate')).not.toBeNull());
      await loaded(page);
    },
  },
  {
    title: 'Policy: the gate overridden, with a reason, before activating', routes: { ...running, [`GET ${policyPath}/versions/3/gate`]: ok(gates.blocked) },
    act: async (page) => {
      page.findByTestId(Button, 'activate-3').trigger('onClick');
      await vi.waitFor(() => expect(page.maybeFindByTestId(LoadingButton, 'activate')).not.toBeNull());
      await loaded(page);
      change(page.findByTestId(Checkbox, 'override'), true);
      change(page.findByTestId(TextArea, 'activation-reason'), 'Quarter end: the CFO signs off by hand.');
      await vi.waitFor(() => expect(page.findByTestId(LoadingButton, 'activate').props.disabled).toBe(false));
    },
  },
  {
    title: 'Policy: a simulation running', routes: { ...running, [`POST ${policyPath}/simulate`]: 'never' },
    act: async (page) => {
      change(page.findByTestId(TextArea, 'policy-draft'), DRAFT_SOURCE);
      await vi.waitFor(() => expect(page.findByTestId(LoadingButton, 'simulate').props.disabled).toBe(false), { timeout: 3000 });
      page.findByTestId(LoadingButton, 'simulate').trigger('onClick');
      await vi.waitFor(() => expect(page.maybeFindByTestId(LoadingSpinner, 'simulation-running')).not.toBeNull());
    },
  },
  {
    title: 'Rollout', tab: 'rollout',
    routes: {
      ...running, [`GET ${ADMIN_API}/posture`]: ok(postures.degraded), [`GET ${ADMIN_API}/posture/history`]: ok(postureHistories.twoChanges),
      [`GET ${ADMIN_API}/admins`]: ok(adminLists.read),
    },
  },
  {
    title: 'Notifications: email on, Slack connected but off', tab: 'notifications',
    routes: { ...running, [`GET ${ADMIN_API}/notifications`]: ok(notificationSettings.emailOn), [`GET ${ADMIN_API}/slack`]: ok(slackConnections.connected) },
  },
  {
    title: 'Notifications: Slack switched on without a connection', tab: 'notifications',
    routes: { ...running, [`GET ${ADMIN_API}/notifications`]: ok(notificationSettings.tasksOnly), [`GET ${ADMIN_API}/slack`]: ok(slackConnections.notConnected) },
    act: async (page) => {
      await vi.waitFor(() => expect(page.findByTestId(Text, 'slack-status').toString()).not.toContain('Checking'));
      change(page.find(Toggle, { name: 'slack' }), true);
      await vi.waitFor(() => expect(screen(page)).toContain('Slack is not connected'));
    },
  },
  { title: 'Delegations', tab: 'delegations', routes: { ...running, [`GET ${ADMIN_API}/delegations`]: ok(delegationLists.portal) } },
  { title: 'Incidents', tab: 'incidents', routes: { ...running, [`GET ${ADMIN_API}/incidents`]: ok(incidentLists.open) } },
  {
    title: 'Scorecard: targets met, missed, too few samples and without a target; an imported baseline', tab: 'scorecard',
    routes: scorecardRoutes(scorecards.month, targetAnswers.saved, baselineAnswers.imported),
  },
  {
    title: 'Scorecard: no baseline yet, default targets', tab: 'scorecard',
    routes: scorecardRoutes(scorecards.noBaseline, { ...targetAnswers.saved, version: 0, isDefault: true, updatedBy: null, updatedAt: null }, baselineAnswers.none),
  },
  { title: 'Scorecard: no request in the period', tab: 'scorecard', routes: scorecardRoutes(scorecards.none, targetAnswers.saved, baselineAnswers.firstDays) },
];

afterEach(() => vi.restoreAllMocks());

describe(DOC, () => {
  it('shows the settings page\'s states as rendered, and is current', async () => {
    const sections: string[] = [
      '# The settings page, state by state',
      '',
      'Generated by `test/extensions/settings-states-doc.test.tsx` from the fixtures the settings tests use: each block is',
      'the tree HubSpot\'s test renderer (`@hubspot/ui-extensions/testing`) produced, as text. Regenerate with',
      '`UPDATE_DOCS=1 npx vitest run test/extensions/settings-states-doc.test.tsx`.',
    ];
    for (const state of states) {
      fakeService(state.routes);
      const page = renderSettings(state.viewer ?? ADMIN);
      if (state.title !== 'Loading') await loaded(page);
      if (state.tab) {
        page.find(Tabs).trigger('onSelectedChange', state.tab as unknown as never);
        await vi.waitFor(() => expect(page.find(Tabs).props.selected).toBe(state.tab));
        await loaded(page);
      }
      if (state.act) await state.act(page);
      sections.push('', `## ${state.title}`, '', '```', screen(page).trim(), '```');
      vi.restoreAllMocks();
    }
    const text = `${sections.join('\n')}\n`;
    if (process.env.UPDATE_DOCS === '1' || !existsSync(DOC)) writeFileSync(DOC, text);
    expect(readFileSync(DOC, 'utf8')).toBe(text);
  }, 60_000);
});
