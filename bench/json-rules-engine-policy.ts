// The sales example's scoring and route selection written for json-rules-engine, the library a Node
// team would otherwise reach for: one engine scores (one rule per band or value), a second picks the
// route by priority. It resolves no approvers and builds no explanation, which only flatters it.
import { Engine, type RuleProperties, type TopLevelCondition } from 'json-rules-engine';
import { isDecimal, type Condition, type Deal, type Policy } from '../src/index.js';

export interface RulesEngineRouter {
  route(deal: Deal): Promise<{ score: number; routeId: string | null }>;
}

export function buildRulesEngineRouter(policy: Policy): RulesEngineRouter {
  const numeric = new Set<string>();
  const scoring = new Engine([], { allowUndefinedFacts: true });
  for (const factor of policy.scoring.factors) {
    if (factor.values) {
      for (const [value, points] of Object.entries(factor.values)) {
        scoring.addRule({ conditions: { all: [{ fact: factor.property, operator: 'equal', value }] }, event: { type: 'points', params: { points } } });
      }
      continue;
    }
    numeric.add(factor.property);
    // "The highest band at or below the value" becomes one half-open range per band.
    const bands = [...(factor.bands ?? [])].sort((a, b) => a.from - b.from);
    bands.forEach((band, i) => {
      const next = bands[i + 1];
      const all = [{ fact: factor.property, operator: 'greaterThanInclusive', value: band.from }];
      if (next) all.push({ fact: factor.property, operator: 'lessThan', value: next.from });
      scoring.addRule({ conditions: { all }, event: { type: 'points', params: { points: band.points } } });
    });
  }
  const routing = new Engine([], { allowUndefinedFacts: true });
  policy.routes.forEach((route, order) => {
    const rule: RuleProperties = {
      conditions: toTopLevel(route.when, numeric),
      event: { type: 'route', params: { id: route.id, order } },
      priority: policy.routes.length - order,
    };
    routing.addRule(rule);
  });
  return {
    async route(deal) {
      const facts: Record<string, string | number | undefined> = {};
      for (const [name, value] of Object.entries(deal.properties)) {
        if (value === null || value === undefined || value === '') continue;
        // Same rule as the core: plain decimals only, nothing guessed.
        facts[name] = numeric.has(name) ? (isDecimal(value) ? Number(value) : undefined) : value;
      }
      const scored = await scoring.run(facts);
      const total = scored.events.reduce((sum, e) => sum + Number(e.params?.points ?? 0), 0);
      const score = Math.min(100, Math.max(0, total));
      const routed = await routing.run({ ...facts, score });
      let best: { id: string; order: number } | null = null;
      for (const e of routed.events) {
        const params = e.params as { id: string; order: number };
        if (best === null || params.order < best.order) best = params;
      }
      return { score, routeId: best?.id ?? null };
    },
  };
}

function toTopLevel(c: Condition, numeric: Set<string>): TopLevelCondition {
  const converted = toCondition(c, numeric);
  return 'all' in converted || 'any' in converted ? converted : { all: [converted] };
}

/** json-rules-engine's condition shape, loosely: nested all/any/not or a fact test. */
type RulesCondition = { all: RulesCondition[] } | { any: RulesCondition[] } | { not: RulesCondition } | { fact: string; operator: string; value: unknown };

function toCondition(c: Condition, numeric: Set<string>): RulesCondition {
  if ('always' in c) return { all: [] };
  if ('all' in c) return { all: c.all.map((x) => toCondition(x, numeric)) };
  if ('any' in c) return { any: c.any.map((x) => toCondition(x, numeric)) };
  if ('not' in c) return { not: toCondition(c.not, numeric) };
  const fact = 'score' in c ? 'score' : c.property;
  const range = 'score' in c ? c.score : c;
  if ('property' in c && (c.equals !== undefined || c.in !== undefined)) return { fact, operator: 'in', value: c.in ?? [c.equals] };
  if ('property' in c && c.exists !== undefined) return { fact, operator: c.exists ? 'notEqual' : 'equal', value: undefined };
  if ('property' in c) numeric.add(c.property);
  const all: RulesCondition[] = [];
  if (range.from !== undefined) all.push({ fact, operator: 'greaterThanInclusive', value: range.from });
  if (range.below !== undefined) all.push({ fact, operator: 'lessThan', value: range.below });
  return all.length === 1 ? all[0]! : { all };
}
