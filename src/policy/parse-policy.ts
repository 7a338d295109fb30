// Reads a policy document (YAML, of which JSON is a subset) and reports every problem at once, each
// with its path, or returns the policy with its content hash.
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { hashJson } from '../hash.js';
import { formatPath, problem, type PolicyProblem } from './problem.js';
import { PolicySchema, type Policy } from './schema.js';
import { checkPolicy } from './semantic-checks.js';

export type PolicyResult =
  | { ok: true; policy: Policy; hash: string }
  | { ok: false; problems: PolicyProblem[] };

export function parsePolicy(text: string): PolicyResult {
  const document = parseDocument(text, { uniqueKeys: true });
  if (document.errors.length > 0) {
    return {
      ok: false,
      problems: document.errors.map((error) => {
        const where = error.linePos?.[0];
        // prettyErrors appends a code frame after the first line; the position is given separately.
        const message = (error.message.split('\n')[0] ?? error.message).replace(/ at line \d+, column \d+:?$/, '');
        return { path: '', message: where ? `line ${where.line}, column ${where.col}: ${message}` : message };
      }),
    };
  }
  let doc: unknown;
  try {
    doc = document.toJS({ maxAliasCount: 100 });
  } catch (error) {
    // An unresolved alias or an alias bomb: the yaml library throws rather than reporting it.
    return { ok: false, problems: [{ path: '', message: error instanceof Error ? error.message : 'the document cannot be read' }] };
  }
  const unstorable = findUnstorableText(doc, '');
  if (unstorable !== null) return { ok: false, problems: [{ path: unstorable, message: 'contains a NUL character or a broken unicode sequence' }] };
  return validatePolicy(doc);
}

/** The path of the first string (key or value) Postgres could not store, or null. */
function findUnstorableText(value: unknown, path: string): string | null {
  const bad = (text: string) => text.includes('\u0000') || !text.isWellFormed();
  if (typeof value === 'string') return bad(value) ? path : null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findUnstorableText(value[i], `${path}[${i}]`);
      if (found !== null) return found;
    }
    return null;
  }
  if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      const here = path ? `${path}.${key}` : key;
      if (bad(key)) return here;
      const found = findUnstorableText(inner, here);
      if (found !== null) return found;
    }
  }
  return null;
}

export function validatePolicy(doc: unknown): PolicyResult {
  const parsed = PolicySchema.safeParse(doc);
  if (!parsed.success) return { ok: false, problems: describeIssues(parsed.error.issues, doc, []) };
  const problems = checkPolicy(parsed.data);
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, policy: parsed.data, hash: hashJson(parsed.data) };
}

/**
 * Zod reports a union mismatch as the issues of every alternative. A person wrote one alternative
 * (the key they used says which), so report that one's issues, or a short list of what was expected.
 */
function describeIssues(issues: readonly z.core.$ZodIssue[], doc: unknown, base: PropertyKey[]): PolicyProblem[] {
  return issues.flatMap((issue) => {
    const path = [...base, ...issue.path];
    if (issue.code !== 'invalid_union' || issue.errors.length === 0) return [problem(path, issue.message)];
    const value = valueAt(doc, path);
    const written = issue.errors.filter((branch) => !branch.some((i) => missesKey(i, value)));
    if (written.length > 1) {
      // Several alternatives were written at once ({ role, team }): each rejects the others' keys.
      const clashing = [...new Set(written.flatMap((branch) => branch.flatMap((i) => (i.code === 'unrecognized_keys' && i.path.length === 0 ? i.keys : []))))];
      if (clashing.length > 1) return [problem(path, `use only one of ${clashing.sort().map((k) => `"${k}"`).join(', ')}`)];
    }
    if (written.length > 0) {
      const best = written.reduce((a, b) => (b.length < a.length ? b : a));
      return describeIssues(best, doc, path);
    }
    const expected = issue.errors.flatMap((branch) => branch.filter((i) => missesKey(i, value)).map((i) => String(i.path[0])));
    const keys = [...new Set(expected)];
    return [problem(path, keys.length ? `expected one of the keys ${keys.map((k) => `"${k}"`).join(', ')}` : issue.message)];
  });
}

/** The issue complains about a key the written object does not have: that alternative is not the one meant. */
function missesKey(issue: z.core.$ZodIssue, value: unknown): boolean {
  if (issue.path.length !== 1 || typeof value !== 'object' || value === null) return false;
  return !Object.hasOwn(value, issue.path[0]!);
}

function valueAt(doc: unknown, path: readonly PropertyKey[]): unknown {
  let value = doc;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

export { formatPath };
