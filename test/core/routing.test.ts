import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { routeDeal, type ResolvedStep, type RouteResult } from '../../src/index.js';
import { buildDeal, buildDirectory, buildPolicy, singleStepPolicy } from './support/builders.js';
import { generateDeals } from '../support/deal-generator.js';
import { EXAMPLE_NAMES, loadExample } from '../support/examples.js';

const directory = buildDirectory();

function stepOf(route: RouteResult, index = 0): ResolvedStep {
  if (route.outcome.kind !== 'routed') throw new Error(`expected routed, got ${JSON.stringify(route.outcome)}`);
  return route.outcome.steps[index]!;
}

describe('choosing a route', () => {
  const policy = buildPolicy();

  it.each([
    ['a high score takes the executive route', { discount_percent: '35', payment_terms: 'net_90' }, 'executive', 'routed'],
    ['a large amount takes the executive route whatever the score', { amount: '750000' }, 'executive', 'routed'],
    ['a middling score takes the standard route', { discount_percent: '22' }, 'standard', 'routed'],
    ['a low score falls through to auto-approval', { discount_percent: '5' }, 'auto', 'auto_approved'],
  ])('%s', (_name, properties, routeId, kind) => {
    const route = routeDeal(buildDeal(properties), policy, directory, { requester: 'rep@x.test' });
    expect(route.routeId).toBe(routeId);
    expect(route.outcome.kind).toBe(kind);
  });

  it('traces every route tried up to the match, and none after it', () => {
    const route = routeDeal(buildDeal({ discount_percent: '22' }), policy, directory);
    expect(route.tried.map((t) => [t.routeId, t.matched])).toEqual([['executive', false], ['standard', true]]);
  });

  it('always chooses the first route whose condition holds', () => {
    const { deal } = generateDeals(1, 1)[0]!;
    fc.assert(fc.property(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 900_000 }), (discount, amount) => {
      const route = routeDeal({ ...deal, properties: { ...deal.properties, discount_percent: String(discount), amount: String(amount) } }, policy, directory);
      const first = route.tried.findIndex((t) => t.matched);
      expect(first).toBe(route.tried.length - 1);
      expect(route.routeId).toBe(route.tried[first]!.routeId);
    }));
  });
});

describe('resolving approvers', () => {
  const roles = { mgr: { byTeam: { EMEA: ['emea.mgr@x.test'], NA: ['na.mgr@x.test'] }, fallback: ['desk@x.test'] } };

  it.each<[string, Record<string, unknown>, Record<string, string | null>, string[], string]>([
    ['users, in the order written', { approvers: { users: ['B@x.test', 'a@x.test'] } }, {}, ['b@x.test', 'a@x.test'], 'users'],
    ['a team: its active members, sorted', { approvers: { team: 'Finance' } }, {}, ['f1@x.test', 'f2@x.test', 'f3@x.test'], 'team Finance'],
    ['a role by the owner\'s primary team', { approvers: { role: 'mgr' } }, {}, ['emea.mgr@x.test'], 'role mgr for team EMEA'],
    ['a role for another owner\'s team', { approvers: { role: 'mgr' } }, { hubspot_owner_id: '2' }, ['na.mgr@x.test'], 'role mgr for team NA'],
    ['a role by the primary team, not the first team', { approvers: { role: 'mgr' } }, { hubspot_owner_id: '4' }, ['na.mgr@x.test'], 'role mgr for team NA'],
    ['the owner\'s manager', { approvers: { ownerManager: true } }, {}, ['boss@x.test'], 'manager of the deal owner'],
    ['the step fallback when the owner has no manager', { approvers: { ownerManager: true, fallback: ['desk@x.test'] } }, { hubspot_owner_id: '2' }, ['desk@x.test'], 'step fallback'],
    ['the role fallback when the owner is unknown', { approvers: { role: 'mgr' } }, { hubspot_owner_id: '404' }, ['desk@x.test'], 'role mgr fallback'],
  ])('%s', (_name, step, properties, approvers, via) => {
    const route = routeDeal(buildDeal(properties), singleStepPolicy(step, roles), directory);
    const resolved = stepOf(route);
    expect(resolved.approvers).toEqual(approvers);
    expect(resolved.resolution.find((r) => r.status === 'approver')?.via).toBe(via);
  });

  it('skips inactive users and says so', () => {
    const route = routeDeal(buildDeal(), singleStepPolicy({ approvers: { users: ['gone@x.test', 'f1@x.test'] } }), directory);
    expect(stepOf(route).approvers).toEqual(['f1@x.test']);
    expect(stepOf(route).resolution[0]).toMatchObject({ email: 'gone@x.test', status: 'inactive' });
  });

  it('sets required approvals by mode: any 1, all every approver, quorum its number', () => {
    const r = (step: Record<string, unknown>) => stepOf(routeDeal(buildDeal(), singleStepPolicy(step), directory));
    expect(r({ approvers: { team: 'Finance' }, mode: 'any' }).required).toBe(1);
    expect(r({ approvers: { team: 'Finance' }, mode: 'all' }).required).toBe(3);
    expect(r({ approvers: { team: 'Finance' }, mode: 'quorum', quorum: 2 }).required).toBe(2);
  });

  it('tops up a quorum from the fallback when the source leaves too few', () => {
    const policy = singleStepPolicy({ approvers: { users: ['f1@x.test', 'rep@x.test'], fallback: ['desk@x.test'] }, mode: 'quorum', quorum: 2 });
    const step = stepOf(routeDeal(buildDeal(), policy, directory));
    expect(step.approvers).toEqual(['f1@x.test', 'desk@x.test']);
    expect(step.resolution.at(-1)).toMatchObject({ tier: 'fallback', note: 'earlier sources left 1 of 2 needed' });
  });

  it('applies an active delegation for one hop, and only while active', () => {
    const delegating = buildDirectory({
      delegations: [
        { from: 'emea.mgr@x.test', to: 'na.mgr@x.test', startsAt: '2026-12-01T00:00:00Z', endsAt: '2026-12-15T00:00:00Z' },
        { from: 'na.mgr@x.test', to: 'f1@x.test', startsAt: '2026-12-01T00:00:00Z', endsAt: '2026-12-15T00:00:00Z' },
      ],
    });
    const policy = singleStepPolicy({ approvers: { role: 'mgr' } }, roles);
    const during = stepOf(routeDeal(buildDeal(), policy, delegating, { at: '2026-12-05T09:00:00+01:00' }));
    expect(during.approvers).toEqual(['na.mgr@x.test']);
    expect(during.resolution[0]).toMatchObject({ delegatedFrom: 'emea.mgr@x.test', note: 'acting for emea.mgr@x.test (delegation)' });
    expect(stepOf(routeDeal(buildDeal(), policy, delegating, { at: '2026-12-15T00:00:00Z' })).approvers).toEqual(['emea.mgr@x.test']);
    expect(stepOf(routeDeal(buildDeal(), policy, delegating)).approvers).toEqual(['emea.mgr@x.test']);
  });
});

describe('separation of duties', () => {
  const roles = { mgr: { byTeam: { EMEA: ['emea.mgr@x.test'] }, fallback: ['desk@x.test'] } };

  it('moves past the requester to the fallback, and says so', () => {
    const route = routeDeal(buildDeal(), singleStepPolicy({ approvers: { role: 'mgr' } }, roles), directory, { requester: 'EMEA.Mgr@x.test' });
    const step = stepOf(route);
    expect(step.approvers).toEqual(['desk@x.test']);
    expect(step.resolution[0]).toMatchObject({ email: 'emea.mgr@x.test', status: 'excluded_requester' });
    expect(step.resolution[1]).toMatchObject({ tier: 'role_fallback', status: 'approver', note: 'earlier sources left 0 of 1 needed' });
  });

  it('never lets the deal owner approve, even when a rule names them', () => {
    const route = routeDeal(buildDeal(), singleStepPolicy({ approvers: { users: ['rep@x.test', 'boss@x.test'] } }), directory);
    expect(stepOf(route).approvers).toEqual(['boss@x.test']);
    expect(stepOf(route).resolution[0]).toMatchObject({ email: 'rep@x.test', status: 'excluded_owner' });
  });

  it('does not let a delegate approve for the requester', () => {
    const delegating = buildDirectory({ delegations: [{ from: 'emea.mgr@x.test', to: 'f1@x.test', startsAt: '2026-01-01T00:00:00Z', endsAt: '2027-01-01T00:00:00Z' }] });
    const route = routeDeal(buildDeal(), singleStepPolicy({ approvers: { role: 'mgr' } }, roles), delegating, { requester: 'emea.mgr@x.test', at: '2026-06-01T00:00:00Z' });
    expect(stepOf(route).approvers).toEqual(['desk@x.test']);
  });

  it('makes the deal unroutable, with the reason, when nobody eligible is left', () => {
    const route = routeDeal(buildDeal(), singleStepPolicy({ approvers: { users: ['rep@x.test'], fallback: ['desk@x.test'] } }), directory, { requester: 'desk@x.test' });
    expect(route.outcome).toMatchObject({
      kind: 'unroutable', stepId: 's',
      reason: 'step "s" needs 1 eligible approver and found 0 (passed over: rep@x.test as owner, desk@x.test as requester)',
    });
  });

  it('makes a quorum step unroutable rather than lower its quorum', () => {
    const route = routeDeal(buildDeal(), singleStepPolicy({ approvers: { team: 'Finance' }, mode: 'quorum', quorum: 3 }), directory, { requester: 'f2@x.test' });
    expect(route.outcome).toMatchObject({ kind: 'unroutable', reason: expect.stringContaining('needs 3 eligible approvers and found 2') });
  });

  const examples = EXAMPLE_NAMES.map(loadExample);
  const generated = generateDeals(300, 7);

  it.each(examples.map((e) => [e.name, e] as const))('never lists the requester or the owner as an approver (%s)', (_name, example) => {
    const requesters = example.directory.users.map((u) => u.email);
    fc.assert(fc.property(fc.constantFrom(...generated), fc.constantFrom(...requesters), fc.constantFrom(...example.directory.users), ({ deal }, requester, owner) => {
      const route = routeDeal({ ...deal, properties: { ...deal.properties, hubspot_owner_id: owner.ownerId ?? null } }, example.policy, example.directory, { requester, at: '2026-12-22T10:00:00Z' });
      const steps = route.outcome.kind === 'auto_approved' ? [] : route.outcome.steps;
      const ownerEmail = owner.ownerId ? owner.email.toLowerCase() : null;
      for (const step of steps) {
        expect(step.approvers).not.toContain(requester.toLowerCase());
        if (ownerEmail) expect(step.approvers).not.toContain(ownerEmail);
      }
    }), { numRuns: 500 });
  });

  it.each(examples.map((e) => [e.name, e] as const))('never asks for more approvals than there are eligible approvers (%s)', (_name, example) => {
    fc.assert(fc.property(fc.constantFrom(...generated), ({ deal, requester }) => {
      const route = routeDeal(deal, example.policy, example.directory, { requester });
      if (route.outcome.kind !== 'routed') return;
      for (const step of route.outcome.steps) {
        expect(step.approvers.length).toBeGreaterThan(0);
        expect(step.required).toBeLessThanOrEqual(step.approvers.length);
        expect(new Set(step.approvers).size).toBe(step.approvers.length);
      }
    }), { numRuns: 300 });
  });

  it.each(examples.map((e) => [e.name, e] as const))('reaches every route of the %s example with generated deals', (_name, example) => {
    const reached = new Set(generateDeals(2000, 11).map(({ deal }) => routeDeal(deal, example.policy, example.directory).routeId));
    expect([...reached].sort()).toEqual(example.policy.routes.map((r) => r.id).sort());
  });
});
