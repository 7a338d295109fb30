import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, ENGINE_VERSION, evaluate, hashJson, serialiseOutput, validatePolicy, type EvaluationInput } from '../../src/index.js';
import { generateDeals } from '../support/deal-generator.js';
import { EXAMPLE_NAMES, loadExample } from '../support/examples.js';
import { shuffleKeys } from './support/shuffle-keys.js';
import { delegationEpoch } from '../../src/directory/delegation-epoch.js';

const examples = EXAMPLE_NAMES.map(loadExample);
const generated = generateDeals(200, 42);
const inputs = fc.tuple(fc.constantFrom(...examples), fc.constantFrom(...generated), fc.constantFrom(null, '2026-12-22T10:00:00Z'))
  .map(([example, { deal, requester }, at]): EvaluationInput => ({ deal, policy: example.policy, directory: example.directory, requester, at }));

describe('evaluate', () => {
  it('gives the same bytes for the same input, also after a JSON round trip (as replay does)', () => {
    fc.assert(fc.property(inputs, (input) => {
      const first = serialiseOutput(evaluate(input));
      expect(serialiseOutput(evaluate(input))).toBe(first);
      expect(serialiseOutput(evaluate(JSON.parse(JSON.stringify(input)) as EvaluationInput))).toBe(first);
    }), { numRuns: 200 });
  });

  it('never changes a hash when keys of the deal, policy or directory come in another order', () => {
    fc.assert(fc.property(inputs, (input) => {
      const a = evaluate(input);
      const b = evaluate(shuffleKeys(input));
      expect([b.policyHash, b.inputHash, b.outputHash]).toEqual([a.policyHash, a.inputHash, a.outputHash]);
    }), { numRuns: 200 });
  });

  it('produces plain JSON: nothing lost or changed by a JSON round trip', () => {
    fc.assert(fc.property(inputs, (input) => {
      const output = evaluate(input);
      expect(JSON.parse(JSON.stringify(output))).toStrictEqual(output);
    }), { numRuns: 100 });
  });

  it('carries the engine version and hashes that can be recomputed', () => {
    const input: EvaluationInput = { deal: examples[0]!.deals[0]!.deal, policy: examples[0]!.policy, directory: examples[0]!.directory, requester: 'ava.stone@acme.example' };
    const output = evaluate(input);
    expect(output.engineVersion).toBe(ENGINE_VERSION);
    expect(output.policyHash).toBe(examples[0]!.policyHash);
    const { outputHash, ...body } = output;
    expect(outputHash).toBe(hashJson(body));
    expect(output.inputHash).toBe(hashJson({ deal: input.deal, directory: hashJson(input.directory), policy: output.policyHash, requester: 'ava.stone@acme.example', at: null }));
  });

  it('changes the input hash when anything that matters changes', () => {
    const base: EvaluationInput = { deal: examples[0]!.deals[0]!.deal, policy: examples[0]!.policy, directory: examples[0]!.directory };
    const hashes = new Set([
      evaluate(base).inputHash,
      evaluate({ ...base, requester: 'x@acme.example' }).inputHash,
      evaluate({ ...base, at: '2026-12-22T10:00:00Z' }).inputHash,
      evaluate({ ...base, deal: { ...base.deal, properties: { ...base.deal.properties, amount: '1' } } }).inputHash,
      evaluate({ ...base, directory: { users: [] } }).inputHash,
    ]);
    expect(hashes.size).toBe(5);
  });

  it('is pinned: this evaluation hashes the same on every machine', () => {
    const output = evaluate({ deal: { id: '1', properties: { discount_percent: '22', hubspot_owner_id: '101' } }, policy: examples[0]!.policy, directory: examples[0]!.directory, requester: 'ava.stone@acme.example', at: '2026-11-27T10:00:00Z' });
    expect(canonicalJson(output).length).toBeGreaterThan(0);
    expect(output.outputHash).toMatchInlineSnapshot(`"bf1b277ffc78fe6b9803d01524cfdbb34465901da3c66da48844619829f2a958"`);
  });
});

describe('delegationEpoch', () => {
  const directory = {
    users: [],
    delegations: [
      { from: 'a@x.example', to: 'b@x.example', startsAt: '2026-12-21T00:00:00Z', endsAt: '2027-01-04T00:00:00Z' },
      { from: 'c@x.example', to: 'd@x.example', startsAt: '2026-06-01T00:00:00Z', endsAt: '2026-06-10T00:00:00Z' },
    ],
  };

  it('is the latest window boundary at or before the instant, or a time before every window', () => {
    expect(delegationEpoch(directory, '2026-05-01T12:00:00Z')).toBe('1970-01-01T00:00:00.000Z');
    expect(delegationEpoch(directory, '2026-06-05T12:00:00Z')).toBe('2026-06-01T00:00:00.000Z');
    expect(delegationEpoch(directory, '2026-11-27T09:30:00Z')).toBe('2026-06-10T00:00:00.000Z');
    expect(delegationEpoch(directory, '2026-12-21T00:00:00Z')).toBe('2026-12-21T00:00:00.000Z');
    expect(delegationEpoch(directory, '2027-02-01T00:00:00Z')).toBe('2027-01-04T00:00:00.000Z');
  });

  it('gives the same route as the instant itself, for any instant', () => {
    fc.assert(fc.property(fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2027, 11, 31) }), (ms) => {
      const at = new Date(ms).toISOString();
      const users = [
        { email: 'owner@x.example', ownerId: '1', teams: ['T'] },
        { email: 'a@x.example', teams: ['T'] }, { email: 'b@x.example', teams: ['T'] },
        { email: 'c@x.example', teams: ['T'] }, { email: 'd@x.example', teams: ['T'] },
      ];
      const policy = {
        name: 'p', scoring: { factors: [] },
        routes: [{ id: 'r', when: { always: true as const }, steps: [{ id: 's', approvers: { users: ['a@x.example', 'c@x.example'] }, mode: 'all' as const, slaHours: 1 }] }],
      };
      const deal = { id: '1', properties: { hubspot_owner_id: '1' } };
      const full = { ...directory, users };
      const exact = evaluate({ deal, policy, directory: full, at });
      const epoch = evaluate({ deal, policy, directory: full, at: delegationEpoch(full, at) });
      expect(epoch.route).toEqual(exact.route);
    }), { numRuns: 300 });
  });
});

describe('properties named like an object member', () => {
  const names = ['constructor', 'toString', 'hasOwnProperty', 'valueOf'];
  const policyOn = (name: string) => {
    const parsed = validatePolicy({
      name: 'Odd names',
      scoring: { factors: [{ id: 'banded', property: name, bands: [{ from: 1, points: 40 }] }, { id: 'listed', property: name, values: { yes: 30 } }] },
      routes: [
        { id: 'listed', when: { property: name, in: ['yes'] }, autoApprove: true },
        { id: 'present', when: { property: name, exists: true }, autoApprove: true },
        { id: 'rest', when: { always: true }, autoApprove: true },
      ],
    });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    return parsed.policy;
  };

  it.each(names)('%s: missing unless the deal has it, then read like any other', (name) => {
    const policy = policyOn(name);
    const without = evaluate({ deal: { id: '1', properties: {} }, policy, directory: { users: [] }, requester: null });
    expect(without.score.factors.map((f) => f.status)).toEqual(['missing', 'missing']);
    expect(without.route.routeId).toBe('rest');
    const withIt = evaluate({ deal: { id: '1', properties: { [name]: 'yes' } }, policy, directory: { users: [] }, requester: null });
    expect(withIt.score.factors.map((f) => [f.status, f.points])).toEqual([['unparsable', 0], ['scored', 30]]);
    expect(withIt.route.routeId).toBe('listed');
  });
});
