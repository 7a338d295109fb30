import { describe, expect, it } from 'vitest';
import { assessChange, routeDeal, scoreDeal, type Deal } from '../../src/index.js';
import { buildDeal, buildDirectory, buildPolicy } from './support/builders.js';

const directory = buildDirectory();
const policy = buildPolicy((d) => {
  d.scoring.factors.push({ id: 'size', property: 'amount', bands: [{ from: 100000, points: 5 }] });
  d.routes.splice(2, 0, { id: 'finance-only', when: { property: 'payment_terms', equals: 'net_90' }, steps: [{ id: 'finance', approvers: { team: 'Finance' }, mode: 'any', slaHours: 24 }] });
});

function snapshot(deal: Deal) {
  return { deal, score: scoreDeal(deal, policy).score, routeId: routeDeal(deal, policy, directory).routeId };
}

const approved = buildDeal({ amount: '50000', discount_percent: '25', note: 'a' });

describe('re-approval after a change', () => {
  it.each<[string, Record<string, string | null>, boolean, RegExp]>([
    ['a non-material property changed', { note: 'b' }, true, /^no material property changed$/],
    ['the discount rose within its band', { discount_percent: '28' }, true, /route is no stricter .* did not rise \(35 → 35\)/],
    ['the discount fell below the band (score fell, route laxer)', { discount_percent: '5' }, true, /no stricter/],
    ['the score rose', { discount_percent: '31' }, false, /score rose from 35 to 50/],
    ['the amount grew into the executive route (and the score rose)', { amount: '600000' }, false, /^amount changed and the score rose from 35 to 40$/],
  ])('%s', (_name, change, stands, reason) => {
    const changed = { ...approved, properties: { ...approved.properties, ...change } };
    const result = assessChange(snapshot(approved), changed, policy, directory);
    expect(result.stands).toBe(stands);
    expect(result.reason).toMatch(reason);
  });

  it('invalidates when the route is stricter even though the score did not rise', () => {
    // Score 50 → 25, yet net_90 terms now need finance, which the standard route never asked.
    const before = buildDeal({ discount_percent: '35' });
    const after = buildDeal({ discount_percent: '5', payment_terms: 'net_90' });
    const result = assessChange(snapshot(before), after, policy, directory);
    expect(result).toMatchObject({ stands: false, before: { score: 50, routeId: 'standard' }, after: { score: 25, routeId: 'finance-only' } });
    expect(result.reason).toMatch(/route "finance-only" needs step "finance", which route "standard" did not have/);
  });

  it('names each changed material property with its old and new value', () => {
    const after = { ...approved, properties: { ...approved.properties, amount: '60000', discount_percent: null } };
    expect(assessChange(snapshot(approved), after, policy, directory).changed).toEqual([
      { property: 'amount', before: '50000', after: '60000' },
      { property: 'discount_percent', before: '25', after: null },
    ]);
  });
});
