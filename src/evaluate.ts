// One pure JSON-in, JSON-out evaluation (score + route) with the hashes a trace row stores, so that
// `replay` can re-run it later and compare bytes.
import type { Deal } from './deal.js';
import type { Directory } from './directory/schema.js';
import { canonicalJson, ENGINE_VERSION, hashJson } from './hash.js';
import { compilePolicy } from './policy/compile-policy.js';
import type { Policy } from './policy/schema.js';
import type { RouteResult } from './routing/types.js';
import type { ScoreResult } from './scoring/types.js';

export interface EvaluationInput {
  deal: Deal;
  policy: Policy;
  directory: Directory;
  requester?: string | null;
  /** ISO 8601 instant of the evaluation; only delegations depend on it. */
  at?: string | null;
}

export interface EvaluationOutput {
  engineVersion: string;
  /** sha256 of the policy's canonical JSON: the same hash parsePolicy returns. */
  policyHash: string;
  /** sha256 of the canonical {deal, directory hash, policy hash, requester, at}. */
  inputHash: string;
  /** sha256 of the canonical output without this field. */
  outputHash: string;
  score: ScoreResult;
  route: RouteResult;
}

const hashes = new WeakMap<object, string>();

/** Hash of a JSON value, cached per object: a policy or directory is hashed once however many deals use it. */
function cachedHash(value: object): string {
  let hash = hashes.get(value);
  if (hash === undefined) {
    hash = hashJson(value);
    hashes.set(value, hash);
  }
  return hash;
}

export function hashPolicy(policy: Policy): string {
  return cachedHash(policy);
}

/** The directory's hash as an evaluation's input hash names it (cached per object, as a policy's is). */
export function hashDirectory(directory: Directory): string {
  return cachedHash(directory);
}

/** The hash that names an evaluation's input. The core is pure, so equal hashes mean equal outputs. */
export function inputHashOf(input: EvaluationInput): string {
  return hashJson({ deal: input.deal, directory: cachedHash(input.directory), policy: cachedHash(input.policy), requester: input.requester ?? null, at: input.at ?? null });
}

export function evaluate(input: EvaluationInput, inputHash: string = inputHashOf(input)): EvaluationOutput {
  const requester = input.requester ?? null;
  const at = input.at ?? null;
  const policyHash = cachedHash(input.policy);
  const compiled = compilePolicy(input.policy);
  const score = compiled.score(input.deal);
  const route = compiled.route(input.deal, score.score, input.directory, { requester, at });
  const body = { engineVersion: ENGINE_VERSION, policyHash, inputHash, score, route };
  return { ...body, outputHash: hashJson(body) };
}

/** The bytes a trace stores and replay compares. */
export function serialiseOutput(output: EvaluationOutput): string {
  return canonicalJson(output);
}
