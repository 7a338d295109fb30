import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compilePolicy } from '../../src/index.js';
import { compileRouteChooser } from '../../src/routing/choose-route.js';
import { compileConditionTest } from '../../src/routing/test-condition.js';
import { compileCondition } from '../../src/routing/compile-condition.js';
import { generateDeals } from '../support/deal-generator.js';
import { EXAMPLE_NAMES, loadExample } from '../support/examples.js';

// The simulation's bulk pass routes with the lean chooser; these hold it to the full router's answers.
const INSTANTS = [null, '2026-11-27T09:00:00Z', '2026-12-22T09:00:00Z', 'not an instant'];

describe('the lean route chooser', () => {
  it.each(EXAMPLE_NAMES)('gives the full router\'s route, outcome and approvers for every generated %s deal', (name) => {
    const { policy, directory } = loadExample(name);
    const compiled = compilePolicy(policy);
    const choose = compileRouteChooser(policy);
    for (const [i, { deal, requester }] of generateDeals(3_000, 41).entries()) {
      const at = INSTANTS[i % INSTANTS.length]!;
      const score = compiled.score(deal).score;
      const full = compiled.route(deal, score, directory, { requester, at });
      const lean = choose(deal, score, directory, { requester, at });
      expect({ routeId: lean.routeId, outcome: lean.outcome }).toEqual({ routeId: full.routeId, outcome: full.outcome });
    }
  });

  it('answers the same whatever deals it saw before (its remembered resolutions never leak between owners)', () => {
    const { policy, directory } = loadExample('sales-deal-desk');
    const deals = generateDeals(400, 7);
    fc.assert(fc.property(fc.shuffledSubarray(deals, { minLength: 1 }), (order) => {
      const compiled = compilePolicy(policy);
      const choose = compileRouteChooser(policy);
      for (const { deal } of order) {
        const score = compiled.score(deal).score;
        expect(choose(deal, score, directory, { at: '2026-12-22T09:00:00Z' }).outcome)
          .toEqual(compiled.route(deal, score, directory, { at: '2026-12-22T09:00:00Z' }).outcome);
      }
    }), { numRuns: 20 });
  });

  it('shares one frozen answer between deals that take the same route with the same owner', () => {
    const { policy, directory } = loadExample('sales-deal-desk');
    const choose = compileRouteChooser(policy);
    const deal = (id: string) => ({ id, properties: { amount: '900000', hubspot_owner_id: '101' } });
    const first = choose(deal('1'), 30, directory);
    expect(choose(deal('2'), 30, directory)).toBe(first);
    expect(Object.isFrozen(first.outcome)).toBe(true);
  });

  it('tests a condition as the explaining compiler judges it', () => {
    const { policy } = loadExample('sales-deal-desk');
    const deals = generateDeals(2_000, 5);
    for (const route of policy.routes) {
      const explain = compileCondition(route.when);
      const test = compileConditionTest(route.when);
      for (const [i, { deal }] of deals.entries()) expect(test(deal, i % 101)).toBe(explain(deal, i % 101).result);
    }
  });
});
