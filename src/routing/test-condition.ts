// A route's `when` compiled to a plain yes/no, for bulk passes that need the route and not the explanation.
// It gives the same result as `compileCondition(...)(deal, score).result`; it may stop early since nothing is traced.
import { compareToThreshold, compileThreshold, isDecimal } from '../decimal.js';
import { readProperty, type Deal } from '../deal.js';
import type { Condition, PropertyCondition } from '../policy/schema.js';

export type ConditionTest = (deal: Deal, score: number) => boolean;

export function compileConditionTest(condition: Condition): ConditionTest {
  if ('always' in condition) return () => true;
  if ('all' in condition) {
    const children = condition.all.map(compileConditionTest);
    return (deal, score) => {
      for (const child of children) if (!child(deal, score)) return false;
      return true;
    };
  }
  if ('any' in condition) {
    const children = condition.any.map(compileConditionTest);
    return (deal, score) => {
      for (const child of children) if (child(deal, score)) return true;
      return false;
    };
  }
  if ('not' in condition) {
    const child = compileConditionTest(condition.not);
    return (deal, score) => !child(deal, score);
  }
  if ('score' in condition) {
    const lo = condition.score.from ?? -Infinity;
    const hi = condition.score.below ?? Infinity;
    return (_deal, score) => score >= lo && score < hi;
  }
  return compilePropertyTest(condition);
}

function compilePropertyTest(condition: PropertyCondition): ConditionTest {
  const { property } = condition;
  if (condition.exists !== undefined) {
    const wanted = condition.exists;
    return (deal) => (readProperty(deal, property) !== null) === wanted;
  }
  if (condition.equals !== undefined || condition.in !== undefined) {
    const allowed = new Set(condition.in ?? [condition.equals!]);
    return (deal) => {
      const value = readProperty(deal, property);
      return value !== null && allowed.has(value);
    };
  }
  const lo = condition.from === undefined ? null : compileThreshold(condition.from);
  const hi = condition.below === undefined ? null : compileThreshold(condition.below);
  return (deal) => {
    const value = readProperty(deal, property);
    if (value === null || !isDecimal(value)) return false;
    return (lo === null || compareToThreshold(value, lo) >= 0) && (hi === null || compareToThreshold(value, hi) < 0);
  };
}
