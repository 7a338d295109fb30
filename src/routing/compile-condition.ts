// Compiles a route's `when` into a closure that returns its result with the full trace.
// Every branch of all/any is evaluated (no short-circuit) so the explanation shows each test.
import { compareToThreshold, compileThreshold, isDecimal } from '../decimal.js';
import { readProperty, type Deal } from '../deal.js';
import type { Condition, PropertyCondition } from '../policy/schema.js';
import type { ConditionTrace } from './condition-trace.js';

export type ConditionCheck = (deal: Deal, score: number) => ConditionTrace;

const ALWAYS: ConditionTrace = Object.freeze({ op: 'always', result: true });

export function compileCondition(condition: Condition): ConditionCheck {
  if ('always' in condition) return () => ALWAYS;
  if ('all' in condition || 'any' in condition) {
    const isAll = 'all' in condition;
    const op = isAll ? 'all' : 'any';
    const children = (isAll ? condition.all : condition.any).map(compileCondition);
    return (deal, score) => {
      const of = new Array<ConditionTrace>(children.length);
      let result = isAll;
      for (let i = 0; i < children.length; i++) {
        const trace = children[i]!(deal, score);
        of[i] = trace;
        result = isAll ? result && trace.result : result || trace.result;
      }
      return { op, result, of };
    };
  }
  if ('not' in condition) {
    const child = compileCondition(condition.not);
    return (deal, score) => {
      const of = child(deal, score);
      return { op: 'not', result: !of.result, of };
    };
  }
  if ('score' in condition) {
    const { from, below } = condition.score;
    const test = describeRange(from, below);
    const lo = from ?? -Infinity;
    const hi = below ?? Infinity;
    return (_deal, score) => ({ op: 'score', test, score, result: score >= lo && score < hi });
  }
  return compilePropertyCondition(condition);
}

function compilePropertyCondition(condition: PropertyCondition): ConditionCheck {
  const { property } = condition;
  if (condition.exists !== undefined) {
    const wanted = condition.exists;
    const test = wanted ? 'has a value' : 'has no value';
    return (deal) => {
      const value = readProperty(deal, property);
      return { op: 'property', property, test, value, result: (value !== null) === wanted, problem: null };
    };
  }
  if (condition.equals !== undefined || condition.in !== undefined) {
    const allowed = new Set(condition.in ?? [condition.equals!]);
    const test = condition.in ? `in [${condition.in.join(', ')}]` : `= ${condition.equals}`;
    return (deal) => {
      const value = readProperty(deal, property);
      if (value === null) return { op: 'property', property, test, value, result: false, problem: 'missing' };
      return { op: 'property', property, test, value, result: allowed.has(value), problem: null };
    };
  }
  const { from, below } = condition;
  const test = describeRange(from, below);
  const lo = from === undefined ? null : compileThreshold(from);
  const hi = below === undefined ? null : compileThreshold(below);
  return (deal) => {
    const value = readProperty(deal, property);
    if (value === null) return { op: 'property', property, test, value, result: false, problem: 'missing' };
    if (!isDecimal(value)) return { op: 'property', property, test, value, result: false, problem: 'unparsable' };
    const result = (lo === null || compareToThreshold(value, lo) >= 0) && (hi === null || compareToThreshold(value, hi) < 0);
    return { op: 'property', property, test, value, result, problem: null };
  };
}

function describeRange(from: number | undefined, below: number | undefined): string {
  if (from !== undefined && below !== undefined) return `≥ ${from} and < ${below}`;
  return from !== undefined ? `≥ ${from}` : `< ${below}`;
}
