import { describe, expect, it } from 'vitest';
import { assessChange, routeDeal, scoreDeal, type Deal, type Directory, type Policy } from '../../src/index.js';
import { buildDeal, buildDirectory, buildPolicy } from './support/builders.js';
import { loadExample } from '../support/examples.js';

const directory = buildDirectory();
const policy = buildPolicy((d) => {
  d.scoring.factors.push({ id: 'size', property: 'amount', bands: [{ from: 100000, points: 5 }] });
  d.routes.splice(2, 0, { id: 'finance-only', when: { property: 'payment_terms', equals: 'net_90' }, steps: [{ id: 'finance', approvers: { team: 'Finance' }, mode: 'any', slaHours: 24 }] });
});

function snapshotOf(deal: Deal, with_: { policy: Policy; directory: Directory } = { policy, directory }) {
  return { deal, score: scoreDeal(deal, with_.policy).score, routeId: routeDeal(deal, with_.policy, with_.directory).routeId };
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
    const result = assessChange(snapshotOf(approved), changed, policy, directory);
    expect(result.stands).toBe(stands);
    expect(result.reason).toMatch(reason);
  });

  it('invalidates when the route is stricter even though the score did not rise', () => {
    // Score 50 → 25, yet net_90 terms now need finance, whom the standard route never asked.
    const before = buildDeal({ discount_percent: '35' });
    const after = buildDeal({ discount_percent: '5', payment_terms: 'net_90' });
    const result = assessChange(snapshotOf(before), after, policy, directory);
    expect(result).toMatchObject({ stands: false, before: { score: 50, routeId: 'standard' }, after: { score: 25, routeId: 'finance-only' } });
    expect(result.reason).toBe('discount_percent, payment_terms changed and route "finance-only" asks f1@x.test, f2@x.test, f3@x.test in step "finance", whom route "standard" did not ask');
  });

  it('names each changed material property with its old and new value', () => {
    const after = { ...approved, properties: { ...approved.properties, amount: '60000', discount_percent: null } };
    expect(assessChange(snapshotOf(approved), after, policy, directory).changed).toEqual([
      { property: 'amount', before: '50000', after: '60000' },
      { property: 'discount_percent', before: '25', after: null },
    ]);
  });
});

// One route per lane; `lane` is material but scores nothing, so a change of lane moves the deal between routes while
// its score stays put, and only the routes decide. The deal's owner is rep@x.test (EMEA, manager boss@x.test); the
// EMEA sales manager is emea.mgr@x.test; Finance is f1, f2 and f3.
const lanes = buildPolicy((d) => {
  const manager = { id: 'manager', approvers: { role: 'sales_manager' }, mode: 'any', slaHours: 24 } as const;
  const finance = (mode: 'any' | 'all' | 'quorum') => ({ id: 'finance', approvers: { team: 'Finance' }, mode, ...(mode === 'quorum' ? { quorum: 2 } : {}), slaHours: 48 });
  const lane = (id: string, steps?: object[]) => ({ id, when: { property: 'lane', equals: id }, ...(steps ? { steps } : { autoApprove: true }) });
  d.routes = [
    lane('manager', [manager]),
    lane('desk', [{ id: 'desk', approvers: { users: ['emea.mgr@x.test'] }, mode: 'any', slaHours: 8 }]),
    lane('fallback-desk', [{ id: 'desk', approvers: { users: ['desk@x.test'] }, mode: 'any', slaHours: 8 }]),
    lane('line', [{ id: 'line', approvers: { ownerManager: true }, mode: 'any', slaHours: 24 }]),
    lane('finance-any', [finance('any')]),
    lane('finance-quorum', [finance('quorum')]),
    lane('finance-all', [finance('all')]),
    lane('manager-then-finance', [manager, finance('any')]),
    lane('manager-twice', [manager, { ...manager, id: 'manager-again' }]),
    lane('auto'),
    { id: 'fallback', when: { always: true }, autoApprove: true },
  ] as typeof d.routes;
  d.materialProperties = ['lane', 'discount_percent'];
});

describe('a route is stricter when it asks for more of this deal than the old one did', () => {
  it.each<[from: string, to: string, stricter: RegExp | null]>([
    ['manager', 'auto', null],
    ['auto', 'manager', /route "manager" asks for approval, which route "auto" did not/],
    ['manager-then-finance', 'manager', null],
    ['manager-then-finance', 'finance-any', null],
    ['manager', 'manager-then-finance', /route "manager-then-finance" has 2 steps, route "manager" had 1/],
    ['manager', 'manager-twice', /has 2 steps/],
    ['finance-quorum', 'finance-any', null],
    ['finance-all', 'finance-quorum', null],
    ['finance-any', 'finance-quorum', /route "finance-quorum" needs 2 approvals in step "finance", route "finance-any" needed 1 of them/],
    ['finance-quorum', 'finance-all', /needs 3 approvals in step "finance", route "finance-quorum" needed 2/],
    // The same person by another source asks no one new; the owner's manager is someone the sales manager's route never asked.
    ['manager', 'desk', null],
    ['manager', 'line', /route "line" asks boss@x.test in step "line", whom route "manager" did not ask/],
    ['manager', 'finance-any', /asks f1@x.test, f2@x.test, f3@x.test in step "finance", whom route "manager" did not ask/],
  ])('from %s to %s', (from, to, stricter) => {
    const before = buildDeal({ lane: from, discount_percent: '25' });
    const after = buildDeal({ lane: to, discount_percent: '25' });
    const result = assessChange(snapshotOf(before, { policy: lanes, directory }), after, lanes, directory);
    expect(result.before.routeId).toBe(from);
    expect(result.after.routeId).toBe(to);
    if (stricter === null) expect(result).toMatchObject({ stands: true, reason: expect.stringMatching(/no stricter/) });
    else {
      expect(result.stands).toBe(false);
      expect(result.reason).toMatch(stricter);
    }
  });

  it('a score that rose invalidates even on a lighter route', () => {
    const before = buildDeal({ lane: 'manager-then-finance', discount_percent: '5' });
    const after = buildDeal({ lane: 'manager', discount_percent: '25' });
    const result = assessChange(snapshotOf(before, { policy: lanes, directory }), after, lanes, directory);
    expect(result).toMatchObject({ stands: false, reason: 'lane, discount_percent changed and the score rose from 0 to 35' });
  });

  it('passes over the requester in both routes, as routing does', () => {
    // emea.mgr asked for the approval, so the manager step went to the role's fallback, desk@x.test: a move to a
    // route that asks desk@x.test asks no one new.
    const before = buildDeal({ lane: 'manager', discount_percent: '25' });
    const after = buildDeal({ lane: 'fallback-desk', discount_percent: '25' });
    const snapshot = snapshotOf(before, { policy: lanes, directory });
    expect(assessChange({ ...snapshot, requester: 'emea.mgr@x.test' }, after, lanes, directory)).toMatchObject({ stands: true });
    expect(assessChange(snapshot, after, lanes, directory)).toMatchObject({ stands: false });
  });
});

describe('the sales example: lowering the discount', () => {
  const sales = loadExample('sales-deal-desk');
  const deal = (discount: string) => buildDeal({ amount: '80000', discount_percent: discount, payment_terms: 'net_60', contract_term_months: '12', hubspot_owner_id: '102' });

  it('from 21% to 12% moves the deal to the line manager, whom the sales manager route already asked: the approval stands', () => {
    const result = assessChange(snapshotOf(deal('21'), sales), deal('12'), sales.policy, sales.directory);
    expect(result).toMatchObject({ stands: true, before: { score: 45, routeId: 'standard' }, after: { score: 25, routeId: 'light' } });
  });

  it('from 21% to 5% moves the deal to the automatic route: the approval stands', () => {
    const result = assessChange(snapshotOf(deal('21'), sales), deal('5'), sales.policy, sales.directory);
    expect(result).toMatchObject({ stands: true, after: { routeId: 'auto', outcome: 'auto_approved' } });
  });
});
