// A draft policy through the portal's deals of the last 90 days, beside the active version, as `simulate` reports a
// deals export: routes changed, approver load, expected cycle time (from the portal's own decided steps), and every
// deal the draft cannot route, each of which an admin may accept with a reason. The run is kept by the draft's hash:
// the promotion gate counts it for a version saved from the same text.
import { performance } from 'node:perf_hooks';
import type { SimulationAnswer } from '../../../src/contract/settings-api.js';
import type { Deal } from '../../../src/deal.js';
import { ENGINE_VERSION, hashJson } from '../../../src/hash.js';
import { compilePolicy } from '../../../src/policy/compile-policy.js';
import { parsePolicy } from '../../../src/policy/parse-policy.js';
import { createSimulation } from '../../../src/simulate/simulate-policies.js';
import { AppError } from '../../errors.js';
import { decidedStepSamples } from '../../report/scorecard-figures.js';
import { listPeriodRequests } from '../../store/period-requests.js';
import { activePolicy } from '../../store/policies.js';
import { recentKnownDeals, type DealSource } from '../../store/recent-deals.js';
import { latestSimulation, saveSimulation, type Acceptance, type UnroutableDeal } from '../../store/rollout-gate.js';
import { appendTrace } from '../../store/traces.js';
import type { ServiceDeps } from '../deps.js';
import type { Viewer } from '../load-facts.js';
import type { AdminSettings } from './admin-settings.js';
import { loadAdminPortal } from './admin-portal.js';

const DAY = 86_400_000;
const CHANGES_SHOWN = 50;
const UNROUTABLE_SHOWN = 200;

type Summary = SimulationAnswer['summary'];

export async function simulateDraft(
  deps: ServiceDeps, viewer: Viewer, input: { source: string; accept?: { dealId: string; reason: string }[] | undefined }, settings: AdminSettings,
): Promise<SimulationAnswer> {
  const portal = await loadAdminPortal(deps, viewer, 'simulate a policy');
  const parsed = parsePolicy(input.source);
  if (!parsed.ok) {
    throw new AppError('bad_request', 'the policy has problems', { details: parsed.problems.map((p) => ({ path: `body.source: ${p.path}`, message: p.message })) });
  }
  const now = deps.now();
  const at = now.toISOString();
  const window = { since: new Date(now.getTime() - settings.simulation.windowDays * DAY).toISOString(), until: at, days: settings.simulation.windowDays };
  const { maxDeals, timeBudgetMs } = settings.simulation;

  const [active, known, directory, requests, previous] = await Promise.all([
    activePolicy(deps.db, portal.id),
    // The local CRM's table holds deals only for portals that use it (the demo portal).
    recentKnownDeals(deps.db, portal.id, window, maxDeals, { localCrm: true }),
    deps.crmFor(portal).getDirectory(portal.id),
    listPeriodRequests(deps.db, portal.id, { from: window.since, to: window.until }),
    latestSimulation<Summary, unknown>(deps.db, portal.id, parsed.hash),
  ]);

  // Elapsed time bounds the work; it decides nothing about the deals.
  const started = performance.now();
  const simulation = createSimulation({ candidate: parsed.policy, baseline: active?.document ?? null, directory, at });
  const compiled = compilePolicy(parsed.policy);
  const unroutable: UnroutableDeal[] = [];
  const sources: Record<DealSource, number> = { requests: 0, evaluations: 0, localCrm: 0 };
  let truncated: Summary['truncated'] = known.available > maxDeals ? 'deal_limit' : null;
  let simulated = 0;
  for (const { deal, source } of known.deals) {
    if (performance.now() - started > timeBudgetMs) { truncated = 'time_limit'; break; }
    simulation.add(deal);
    const route = compiled.route(deal, compiled.score(deal).score, directory, { requester: null, at });
    if (route.outcome.kind === 'unroutable') unroutable.push({ dealId: deal.id, name: dealName(deal), stepId: route.outcome.stepId, reason: route.outcome.reason });
    sources[source]++;
    simulated++;
  }
  const result = simulation.finish(decidedStepSamples({ from: window.since, to: window.until }, requests));

  // Acceptances stand for this text while their deal stays unroutable; new ones apply only to deals that are.
  const unroutableIds = new Set(unroutable.map((deal) => deal.dealId));
  const accepted: Record<string, Acceptance> = {};
  for (const [dealId, acceptance] of Object.entries(previous?.accepted ?? {})) if (unroutableIds.has(dealId)) accepted[dealId] = acceptance;
  const warnings: string[] = [];
  for (const acceptance of input.accept ?? []) {
    if (unroutableIds.has(acceptance.dealId)) accepted[acceptance.dealId] = { reason: acceptance.reason, by: viewer.email, at };
    else warnings.push(`deal ${acceptance.dealId} was not accepted: the draft routes it, or it was not among the simulated deals`);
  }

  const acceptedCount = Object.keys(accepted).length;
  const summary: Summary = {
    deals: simulated, routeChanged: result.diff?.routeChanged ?? 0, scoreChanged: result.diff?.scoreChanged ?? 0,
    unroutable: unroutable.length, accepted: acceptedCount, truncated, expectedHoursPerDeal: result.candidate.expectedHoursPerDeal,
  };
  const summaryHash = hashJson(summary);
  const answer: SimulationAnswer = {
    policy: { name: parsed.policy.name, hash: parsed.hash },
    baseline: active ? { version: active.version, name: active.name, hash: active.hash } : null,
    ranAt: at,
    ranBy: viewer.email,
    window,
    deals: { simulated, sources, limit: maxDeals, truncated, elapsedMs: Math.round(performance.now() - started) },
    missingProperties: simulated === 0 ? [] : result.candidate.dataQuality.filter((factor) => factor.missing === simulated).map((factor) => factor.property),
    historySamples: requests.length === 0 ? 0 : decidedStepSamples({ from: window.since, to: window.until }, requests).length,
    result: { ...result, diff: result.diff ? { ...result.diff, changes: result.diff.changes.slice(0, CHANGES_SHOWN) } : null },
    changesShown: Math.min(CHANGES_SHOWN, result.diff?.changes.length ?? 0),
    unroutableDeals: {
      total: unroutable.length,
      accepted: acceptedCount,
      deals: unroutable.slice(0, UNROUTABLE_SHOWN).map((deal) => ({ ...deal, accepted: accepted[deal.dealId] ?? null })),
    },
    warnings,
    summaryHash,
    summary,
  };
  await saveSimulation(deps.db, portal.id, {
    policyHash: parsed.hash, ranAt: at, ranBy: viewer.email, deals: simulated, truncated, unroutable, accepted, summary, summaryHash, answer,
  });
  await appendTrace(deps.db, {
    portalId: portal.id, kind: 'policy', input: { command: 'simulate', by: viewer.email, window, accept: input.accept ?? [] },
    output: { summary, summaryHash }, policyHash: parsed.hash, engineVersion: ENGINE_VERSION, occurredAt: at,
  });
  return answer;
}

function dealName(deal: Deal): string | null {
  const name = deal.properties.dealname;
  return typeof name === 'string' && name !== '' ? name : null;
}
