// How large a policy may be: far beyond any real deal desk, and small enough that reading, checking and
// evaluating one stays quick, since the service does all three on its request thread.
import type { Condition } from './schema.js';

export const POLICY_LIMITS = {
  /** The document's size in UTF-8 bytes. */
  documentBytes: 32 * 1024,
  /** Maps and lists inside one another, anywhere in the document. */
  documentDepth: 64,
  routes: 100,
  stepsPerRoute: 20,
  factors: 100,
  /** Conditions in every route's `when` together; each `all`, `any` and `not` counts as one. */
  conditions: 250,
  /** Levels of a route's `when`: a single test is 1, `{ any: [test] }` is 2. */
  conditionDepth: 12,
  /** Items in any other list or map: `in` values, bands, factor values, users, fallbacks, roles, teams, gates, stages. */
  listItems: 250,
} as const;

export interface ConditionSize {
  /** The conditions in the tree, the root included. */
  count: number;
  /** The path (below the root) of the first condition deeper than the limit, or null. */
  tooDeep: (string | number)[] | null;
}

/** Counts a condition tree and finds where it nests too deep, descending no further than the limit. */
export function measureCondition(root: Condition, maxDepth = POLICY_LIMITS.conditionDepth): ConditionSize {
  let count = 0;
  let tooDeep: (string | number)[] | null = null;
  const visit = (condition: Condition, depth: number, path: (string | number)[]): void => {
    count++;
    if (depth > maxDepth) {
      tooDeep ??= path;
      return;
    }
    if ('all' in condition) condition.all.forEach((child, i) => visit(child, depth + 1, [...path, 'all', i]));
    else if ('any' in condition) condition.any.forEach((child, i) => visit(child, depth + 1, [...path, 'any', i]));
    else if ('not' in condition) visit(condition.not, depth + 1, [...path, 'not']);
  };
  visit(root, 1, []);
  return { count, tooDeep };
}
