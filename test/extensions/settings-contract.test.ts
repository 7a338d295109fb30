// The settings page keeps its own copy of the admin API's types (it cannot import src/). These checks hold that copy,
// and every fixture the settings tests use, to the service's zod schemas: a drift fails the type check or this run.
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import * as cardContract from '../../src/contract/card-api.js';
import * as notificationContract from '../../src/contract/notification-settings.js';
import * as scorecardContract from '../../src/contract/scorecard.js';
import * as contract from '../../src/contract/settings-api.js';
import * as slackContract from '../../src/contract/slack.js';
import type * as page from '../../extensions/app/settings/settings-types.js';
import {
  activations, adminLists, baselineAnswers, candidates, delegationLists, errors, gateRefusal, gates, incidentLists, incidentPackets,
  incidentResolutions, notificationSettings, overviews, postureHistories, postures, scorecards, simulations, slackConnections, targetAnswers,
} from './settings-fixtures.js';

// Compile-time: what the service sends can be read as the page's type (the page names a subset of the fields), and
// what the page sends is an input the service's schema takes.
type Reads<Answer, PageType> = [Answer] extends [PageType] ? true : false;
const pageReadsAnswers: [
  Reads<z.infer<typeof contract.PolicyOverview>, page.PolicyOverview>,
  Reads<z.infer<typeof contract.GateStatus>, page.GateStatus>,
  Reads<z.infer<typeof contract.ActivateAnswer>, page.ActivateAnswer>,
  Reads<z.infer<typeof contract.PromoteAnswer>, page.ActivateAnswer>,
  Reads<z.infer<typeof contract.RollbackAnswer>, page.RollbackAnswer>,
  Reads<z.infer<typeof contract.CandidateSummary>, page.CandidateSummary>,
  Reads<z.infer<typeof contract.SimulationAnswer>, page.SimulationAnswer>,
  Reads<z.infer<typeof contract.PostureAnswer>, page.PostureAnswer>,
  Reads<z.infer<typeof contract.PostureHistoryAnswer>, page.PostureHistoryAnswer>,
  Reads<z.infer<typeof contract.AdminsAnswer>, page.AdminsAnswer>,
  Reads<z.infer<typeof contract.DelegationListAnswer>, page.DelegationListAnswer>,
  Reads<z.infer<typeof contract.IncidentListAnswer>, page.IncidentListAnswer>,
  Reads<z.infer<typeof contract.IncidentPacketAnswer>, page.IncidentPacketAnswer>,
  Reads<z.infer<typeof contract.ResolveIncidentAnswer>, page.ResolveIncidentAnswer>,
  Reads<z.infer<typeof scorecardContract.ScorecardAnswer>, page.ScorecardAnswer>,
  Reads<z.infer<typeof scorecardContract.TargetsAnswer>, page.TargetsAnswer>,
  Reads<z.infer<typeof scorecardContract.BaselineAnswer>, page.BaselineAnswer>,
  Reads<z.infer<typeof notificationContract.NotificationSettingsView>, page.NotificationSettingsView>,
  Reads<z.infer<typeof slackContract.SlackConnectionView>, page.SlackConnectionView>,
] = [true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true];
const serviceTakesBodies: [
  Reads<page.SimulateBody, z.input<typeof contract.SimulateBody>>,
  Reads<page.GatedActivateBody, z.input<typeof contract.GatedActivateBody>>,
  Reads<page.GatedActivateBody, z.input<typeof contract.GatedPromoteBody>>,
  Reads<page.RollbackBody, z.input<typeof contract.RollbackBody>>,
  Reads<page.ResolveIncidentBody, z.input<typeof contract.ResolveIncidentBody>>,
  Reads<page.PolicySourceBody, z.input<typeof cardContract.PolicySourceBody>>,
  Reads<page.SavePolicyBody, z.input<typeof cardContract.SavePolicyBody>>,
  Reads<page.SetFlagBody, z.input<typeof cardContract.SetFlagBody>>,
  Reads<page.DelegationBody, z.input<typeof cardContract.DelegationBody>>,
  Reads<page.SetTargetsBody, z.input<typeof scorecardContract.SetTargetsBody>>,
  Reads<page.SetBaselineBody, z.input<typeof scorecardContract.SetBaselineBody>>,
  Reads<page.SetChannelsBody, z.input<typeof notificationContract.SetChannelsBody>>,
] = [true, true, true, true, true, true, true, true, true, true, true, true];

describe('the settings page\'s types and fixtures against the service contract', () => {
  it('reads every answer the service sends as the page\'s type, and sends only bodies the service takes', () => {
    expect([...pageReadsAnswers, ...serviceTakesBodies].every(Boolean)).toBe(true);
  });

  it.each(Object.entries(overviews))('policy overview %s is a PolicyOverview', (_name, overview) => {
    expect(contract.PolicyOverview.parse(overview)).toEqual(overview);
  });

  it.each(Object.entries(gates))('gate %s is a GateStatus whose `missing` lists its missing steps', (_name, gate) => {
    expect(contract.GateStatus.parse(gate)).toEqual(gate);
    expect(gate.missing).toEqual(gate.steps.filter((step) => step.status === 'missing').map((step) => step.id));
  });

  it.each(Object.entries(activations))('activation %s is an ActivateAnswer', (_name, activation) => {
    expect(contract.ActivateAnswer.parse(activation)).toEqual(activation);
  });

  it.each(Object.entries(simulations))('simulation %s is a SimulationAnswer', (_name, simulation) => {
    expect(contract.SimulationAnswer.parse(simulation)).toEqual(simulation);
  });

  it.each(Object.entries(candidates))('candidate %s is a CandidateSummary', (_name, candidate) => {
    expect(contract.CandidateSummary.parse(candidate)).toEqual(candidate);
  });

  it.each([
    ...Object.entries(postures).map(([name, value]) => [`posture ${name}`, contract.PostureAnswer, value] as const),
    ...Object.entries(postureHistories).map(([name, value]) => [`posture history ${name}`, contract.PostureHistoryAnswer, value] as const),
    ...Object.entries(adminLists).map(([name, value]) => [`admins ${name}`, contract.AdminsAnswer, value] as const),
    ...Object.entries(delegationLists).map(([name, value]) => [`delegations ${name}`, contract.DelegationListAnswer, value] as const),
    ...Object.entries(incidentLists).map(([name, value]) => [`incidents ${name}`, contract.IncidentListAnswer, value] as const),
    ...Object.entries(incidentPackets).map(([name, value]) => [`incident packet ${name}`, contract.IncidentPacketAnswer, value] as const),
    ...Object.entries(scorecards).map(([name, value]) => [`scorecard ${name}`, scorecardContract.ScorecardAnswer, value] as const),
    ...Object.entries(incidentResolutions).map(([name, value]) => [`resolution ${name}`, contract.ResolveIncidentAnswer, value] as const),
    ...Object.entries(targetAnswers).map(([name, value]) => [`targets ${name}`, scorecardContract.TargetsAnswer, value] as const),
    ...Object.entries(baselineAnswers).map(([name, value]) => [`baseline ${name}`, scorecardContract.BaselineAnswer, value] as const),
    ...Object.entries(notificationSettings).map(([name, value]) => [`notifications ${name}`, notificationContract.NotificationSettingsView, value] as const),
    ...Object.entries(slackConnections).map(([name, value]) => [`slack ${name}`, slackContract.SlackConnectionView, value] as const),
  ])('%s is what its schema answers', (_name, schema: z.ZodType, value) => {
    expect(schema.parse(value)).toEqual(value);
  });

  it('refuses an activation the way the contract says: details under gate.<step id>', () => {
    expect(cardContract.ErrorAnswer.parse(gateRefusal)).toEqual(gateRefusal);
    for (const detail of gateRefusal.error.details) {
      expect(detail.path.startsWith(contract.GATE_DETAIL_PREFIX)).toBe(true);
      expect(contract.GateStepId.safeParse(detail.path.slice(contract.GATE_DETAIL_PREFIX.length)).success).toBe(true);
    }
    for (const answer of Object.values(errors)) expect(cardContract.ErrorAnswer.parse(answer)).toEqual(answer);
  });
});
