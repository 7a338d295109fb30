// A policy compiled once into closures: scoring and routing a deal then only walks precomputed
// thresholds and lookup tables. The compiled form is cached per policy object (treated as immutable).
import type { Deal } from '../deal.js';
import type { Directory } from '../directory/schema.js';
import { compileRoutes } from '../routing/route-deal.js';
import type { RouteOptions, RouteResult } from '../routing/types.js';
import { compileFactors } from '../scoring/compile-factors.js';
import type { ScoreResult } from '../scoring/types.js';
import type { Policy } from './schema.js';

export interface CompiledPolicy {
  readonly policy: Policy;
  score(deal: Deal): ScoreResult;
  /** Routes with a score already computed (by `score`), so evaluating does not score twice. */
  route(deal: Deal, score: number, directory: Directory, options?: RouteOptions): RouteResult;
}

const cache = new WeakMap<Policy, CompiledPolicy>();

export function compilePolicy(policy: Policy): CompiledPolicy {
  const cached = cache.get(policy);
  if (cached) return cached;
  const compiled: CompiledPolicy = { policy, score: compileFactors(policy.scoring.factors), route: compileRoutes(policy) };
  cache.set(policy, compiled);
  return compiled;
}

/** The deal's 0..100 score with each factor's input, band and points. */
export function scoreDeal(deal: Deal, policy: Policy): ScoreResult {
  return compilePolicy(policy).score(deal);
}

/** The route the deal takes, every condition tried, and each step's approvers with how they were found. */
export function routeDeal(deal: Deal, policy: Policy, directory: Directory, options: RouteOptions = {}): RouteResult {
  const compiled = compilePolicy(policy);
  return compiled.route(deal, compiled.score(deal).score, directory, options);
}
