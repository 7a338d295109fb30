import { describe, expect, it } from 'vitest';
import { routeDeal, type Condition, type ConditionTrace } from '../../src/index.js';
import { buildDeal, buildDirectory, buildPolicyUnchecked } from './support/builders.js';

/** The trace of `when` for a deal with these properties and score (via a points-only factor). */
function evaluateCondition(when: Condition, properties: Record<string, string | null>, score = 0): ConditionTrace {
  const policy = buildPolicyUnchecked((d) => {
    d.scoring.factors = [{ id: 'fixed', property: 'fixed_points', bands: [{ from: 0, points: 0 }, { from: 1, points: score }] }];
    d.routes = [{ id: 'test', when, autoApprove: true }, { id: 'rest', when: { always: true }, autoApprove: true }];
  });
  const route = routeDeal(buildDeal({ fixed_points: score > 0 ? '1' : '0', ...properties }), policy, buildDirectory());
  return route.tried[0]!.condition;
}

describe('route conditions', () => {
  it.each<[string, Condition, Record<string, string | null>, number, boolean, string | null]>([
    ['always', { always: true }, {}, 0, true, null],
    ['score from (inclusive)', { score: { from: 30 } }, {}, 30, true, null],
    ['score from, below it', { score: { from: 30 } }, {}, 29, false, null],
    ['score below (exclusive)', { score: { below: 30 } }, {}, 30, false, null],
    ['score range', { score: { from: 10, below: 30 } }, {}, 20, true, null],
    ['property from', { property: 'amount', from: 500000 }, { amount: '500000.00' }, 0, true, null],
    ['property from, just under', { property: 'amount', from: 500000 }, { amount: '499999.99' }, 0, false, null],
    ['property below', { property: 'amount', below: 1000 }, { amount: '999.999' }, 0, true, null],
    ['property range, negative values', { property: 'margin', from: -5, below: 0 }, { margin: '-0.5' }, 0, true, null],
    ['property from, missing', { property: 'amount', from: 1 }, {}, 0, false, 'missing'],
    ['property from, unparsable', { property: 'amount', from: 1 }, { amount: '12,000' }, 0, false, 'unparsable'],
    ['equals', { property: 'payment_terms', equals: 'net_90' }, { payment_terms: 'net_90' }, 0, true, null],
    ['equals, other value', { property: 'payment_terms', equals: 'net_90' }, { payment_terms: 'net_60' }, 0, false, null],
    ['equals, missing', { property: 'payment_terms', equals: 'net_90' }, {}, 0, false, 'missing'],
    ['in', { property: 'payment_terms', in: ['net_60', 'net_90'] }, { payment_terms: 'net_60' }, 0, true, null],
    ['in, not listed', { property: 'payment_terms', in: ['net_60', 'net_90'] }, { payment_terms: 'net_30' }, 0, false, null],
    ['exists', { property: 'po_number', exists: true }, { po_number: 'PO-1' }, 0, true, null],
    ['exists, empty string', { property: 'po_number', exists: true }, { po_number: '' }, 0, false, null],
    ['exists: false, missing', { property: 'po_number', exists: false }, {}, 0, true, null],
  ])('%s', (_name, when, properties, score, result, problem) => {
    const trace = evaluateCondition(when, properties, score);
    expect(trace.result).toBe(result);
    if (trace.op === 'property') expect(trace.problem).toBe(problem);
  });

  it('all needs every branch, any needs one, not inverts; every branch is traced', () => {
    const yes: Condition = { property: 'a', equals: '1' };
    const no: Condition = { property: 'a', equals: '2' };
    const props = { a: '1' };
    expect(evaluateCondition({ all: [yes, no] }, props)).toMatchObject({ op: 'all', result: false, of: [{ result: true }, { result: false }] });
    expect(evaluateCondition({ all: [yes, yes] }, props).result).toBe(true);
    expect(evaluateCondition({ all: [] }, props).result).toBe(true);
    expect(evaluateCondition({ any: [no, yes] }, props)).toMatchObject({ op: 'any', result: true, of: [{ result: false }, { result: true }] });
    expect(evaluateCondition({ any: [no, no] }, props).result).toBe(false);
    expect(evaluateCondition({ not: no }, props)).toMatchObject({ op: 'not', result: true, of: { result: false } });
    expect(evaluateCondition({ not: { property: 'b', from: 1 } }, {})).toMatchObject({ result: true, of: { problem: 'missing' } });
  });

  it('describes each test and the value it saw', () => {
    expect(evaluateCondition({ property: 'amount', from: 10, below: 20 }, { amount: '15' })).toEqual({
      op: 'property', property: 'amount', test: '≥ 10 and < 20', value: '15', result: true, problem: null,
    });
  });
});
