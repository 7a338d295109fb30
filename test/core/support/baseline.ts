// The regression baseline: one line per decision for 2,000 seeded deals through both example policies.
// A line holds what a reviewer needs to see change (score, route, outcome, approvers) and a short hash
// of the whole explanation, so any change in behaviour shows up as a changed line.
import { fileURLToPath } from 'node:url';
import { ENGINE_VERSION, evaluate, hashJson } from '../../../src/index.js';
import { generateDeals } from '../../support/deal-generator.js';
import { EXAMPLE_NAMES, loadExample } from '../../support/examples.js';

export const BASELINE_PATH = fileURLToPath(new URL('../baseline/decisions.json', import.meta.url));
export const BASELINE_SEED = 20_261_127;
export const BASELINE_COUNT = 2_000;
const SHORT_NAMES = { 'sales-deal-desk': 'sales', 'client-success': 'cs' } as const;

export interface Baseline {
  engineVersion: string;
  seed: number;
  count: number;
  policies: Record<string, string>;
  decisions: string[];
}

export function computeBaseline(): Baseline {
  const generated = generateDeals(BASELINE_COUNT, BASELINE_SEED);
  const policies: Record<string, string> = {};
  const decisions: string[] = [];
  for (const name of EXAMPLE_NAMES) {
    const example = loadExample(name);
    policies[name] = example.policyHash;
    generated.forEach(({ deal, requester }, i) => {
      // Alternate inside and outside the example's holiday delegation.
      const at = i % 2 === 0 ? '2026-11-27T10:00:00Z' : '2026-12-22T10:00:00Z';
      const { score, route } = evaluate({ deal, policy: example.policy, directory: example.directory, requester, at });
      const outcome = route.outcome;
      const steps = outcome.kind === 'auto_approved' ? '' : outcome.steps.map((s) => `${s.id}(${s.required})=${s.approvers.map((a) => a.replace('@acme.example', '')).join(',')}`).join(' ');
      decisions.push([SHORT_NAMES[name], deal.id, score.score, route.routeId ?? '-', outcome.kind, steps, hashJson({ score, route }).slice(0, 12)].join('|'));
    });
  }
  return { engineVersion: ENGINE_VERSION, seed: BASELINE_SEED, count: BASELINE_COUNT, policies, decisions };
}

/** JSON with one decision per line, so a diff shows exactly which decisions moved. */
export function renderBaseline(baseline: Baseline): string {
  const head = JSON.stringify({ engineVersion: baseline.engineVersion, seed: baseline.seed, count: baseline.count, policies: baseline.policies }, null, 2);
  const lines = baseline.decisions.map((d) => `    ${JSON.stringify(d)}`).join(',\n');
  return `${head.slice(0, -2)},\n  "decisions": [\n${lines}\n  ]\n}\n`;
}
