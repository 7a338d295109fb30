// Reads a policy document (YAML, of which JSON is a subset) and reports every problem at once, each
// with its path, or returns the policy with its content hash.
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { hashJson } from '../hash.js';
import { POLICY_LIMITS } from './limits.js';
import { formatPath, problem, type PolicyProblem } from './problem.js';
import { PolicySchema, type Policy } from './schema.js';
import { checkPolicy } from './semantic-checks.js';

export type PolicyResult =
  | { ok: true; policy: Policy; hash: string }
  | { ok: false; problems: PolicyProblem[] };

const KIB = 1024;

export function parsePolicy(text: string): PolicyResult {
  const bytes = utf8Length(text);
  if (bytes > POLICY_LIMITS.documentBytes) {
    return refuse('', `the document is ${Math.ceil(bytes / KIB)} KiB; a policy may be at most ${POLICY_LIMITS.documentBytes / KIB} KiB`);
  }
  const document = parseDocument(text, { uniqueKeys: true });
  if (document.errors.length > 0) {
    return {
      ok: false,
      problems: document.errors.map((error) => {
        const where = error.linePos?.[0];
        // prettyErrors appends a code frame after the first line; the position is given separately.
        let message = (error.message.split('\n')[0] ?? error.message).replace(/ at line \d+, column \d+:?$/, '');
        // The parser stops at a stack overflow and reports it as such: say what to change instead.
        if (error.code === 'RESOURCE_EXHAUSTION' && message.includes('call stack')) message = tooDeep;
        return { path: '', message: where ? `line ${where.line}, column ${where.col}: ${message}` : message };
      }),
    };
  }
  let doc: unknown;
  try {
    doc = document.toJS({ maxAliasCount: 100 });
  } catch (error) {
    // An unresolved alias or an alias bomb: the yaml library throws rather than reporting it.
    return refuse('', error instanceof Error ? error.message : 'the document cannot be read');
  }
  return validatePolicy(doc);
}

const tooDeep = `nested more than ${POLICY_LIMITS.documentDepth} levels deep`;

function refuse(path: string, message: string): PolicyResult {
  return { ok: false, problems: [{ path, message }] };
}

function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    // Each half of a surrogate pair counts 2: the pair is 4 bytes.
    bytes += code < 0x80 ? 1 : code < 0x800 || (code >= 0xd800 && code <= 0xdfff) ? 2 : 3;
  }
  return bytes;
}

/**
 * The first thing in a document as YAML or JSON gives it that no policy can hold, or null: nesting beyond the
 * limit, a YAML alias inside the node it names (a cycle), a "__proto__" key (which a parsed object loses), or
 * text Postgres cannot store. Every walk after this one may then recurse freely.
 */
function findUnreadable(value: unknown): PolicyProblem | null {
  const ancestors = new Set<object>();
  const bad = (text: string) => text.includes('\u0000') || !text.isWellFormed();
  const visit = (node: unknown, path: (string | number)[]): PolicyProblem | null => {
    if (typeof node === 'string') return bad(node) ? problem(path, unstorable) : null;
    if (typeof node !== 'object' || node === null) return null;
    if (ancestors.has(node)) return problem(path, 'a YAML alias here refers to a node that contains it (a cycle)');
    if (path.length >= POLICY_LIMITS.documentDepth) return problem(path, tooDeep);
    ancestors.add(node);
    let found: PolicyProblem | null = null;
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length && found === null; i++) found = visit(node[i], [...path, i]);
    } else {
      for (const key of Object.keys(node)) {
        if (key === '__proto__') found = problem([...path, key], '"__proto__" cannot be used as a name');
        else if (bad(key)) found = problem([...path, key], unstorable);
        else found = visit((node as Record<string, unknown>)[key], [...path, key]);
        if (found !== null) break;
      }
    }
    ancestors.delete(node);
    return found;
  };
  return visit(value, []);
}

const unstorable = 'contains a NUL character or a broken unicode sequence';

export function validatePolicy(doc: unknown): PolicyResult {
  const unreadable = findUnreadable(doc);
  if (unreadable !== null) return { ok: false, problems: [unreadable] };
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
