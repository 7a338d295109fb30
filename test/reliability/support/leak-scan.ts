// Leak checks over everything a harness saw: its log lines and its answers. Logs must carry no secret (the client
// secret, a signature we sent, the database password); error bodies no stack, no file path, no SQL, no secret.
import { expect } from 'vitest';
import { TEST_SECRET } from '../../support/app.js';
import type { Answer, Harness } from './harness.js';

/** Shapes that only the server's internals produce: stack frames, source paths, knex SQL, Postgres errors. */
export const INTERNALS: { name: string; pattern: RegExp }[] = [
  { name: 'a stack frame', pattern: /\n\s+at \S|\bat (?:async )?[\w.<>]+ \(/ },
  { name: 'a source file position', pattern: /\.(?:ts|js|mjs|cjs):\d+(?::\d+)?/ },
  { name: 'an absolute path on this machine', pattern: /(?:^|[\s"'(=])\/(?:work|home|root|usr|opt|srv|tmp|var)\/[\w.-]+\// },
  { name: 'node_modules', pattern: /node_modules/ },
  { name: 'knex SQL', pattern: /\b(?:select .* from|insert into|update|delete from) "[a-z_]+"/i },
  { name: 'a Postgres error', pattern: /violates [\w ]*constraint|duplicate key value|out of range for type|invalid input syntax for|invalid byte sequence for encoding|unsupported Unicode escape|relation "[a-z_]+"|column "[a-z_]+"/i },
  { name: 'a Postgres error code', pattern: /"code":"(?:22P02|22P05|22021|22003|23505|23503|42P01|42703|57P01)"/ },
  { name: 'an exception name', pattern: /\b(?:TypeError|ReferenceError|RangeError|SyntaxError|DatabaseError|KnexTimeoutError)\b/ },
];

/** Strings that look like credentials even when we do not know their value. */
export const TOKEN_SHAPES: { name: string; pattern: RegExp }[] = [
  { name: 'a bearer token', pattern: /bearer\s+[\w.~+/-]{8,}/i },
  { name: 'a HubSpot private-app token', pattern: /\bpat-(?:na|eu|ap)\d+-[0-9a-f-]{20,}/i },
  { name: 'a HubSpot OAuth token', pattern: /\b(?:CO|CN|CJ|CP)[A-Za-z0-9_-]{80,}\b/ },
  { name: 'a base64 digest (an HMAC-SHA256 is 44 characters)', pattern: /(?<![\w+/])[A-Za-z0-9+/]{43}=(?![\w+/=])/ },
  { name: 'a connection string with a password', pattern: /postgres(?:ql)?:\/\/[^:\s/]+:[^@\s]+@/i },
  { name: 'an OAuth code or state in a URL', pattern: /[?&](?:code|state)=(?!\[redacted\])[^&#"\s]{4,}/ },
];

export function databasePassword(url: string): string | undefined {
  const password = decodeURIComponent(new URL(url).password);
  return password.length >= 4 ? password : undefined;
}

/** Where a secret sits in a line, for the failure message. */
function around(line: string, secret: string): string {
  const at = line.indexOf(secret);
  return at === -1 ? line.slice(0, 300) : line.slice(Math.max(0, at - 200), at + 40);
}

function hasKey(value: unknown, key: string): boolean {
  if (Array.isArray(value)) return value.some((item) => hasKey(item, key));
  if (value && typeof value === 'object') return Object.entries(value).some(([name, item]) => name === key || hasKey(item, key));
  return false;
}

/** The answer's text with what the caller legitimately sees echoed back (its own path and query) removed. */
function withoutEcho(answer: Answer): string {
  const [path = '', query = ''] = answer.sentPath.split('?');
  let decodedPath = path;
  try { decodedPath = decodeURIComponent(path); } catch { /* a malformed escape stays as sent */ }
  let text = answer.text;
  for (const echo of [answer.sentPath, path, decodedPath, query, JSON.stringify(decodedPath).slice(1, -1)]) if (echo.length > 1) text = text.split(echo).join('');
  return text;
}

export interface LeakOptions {
  databaseUrl?: string;
  /** Also look for credential shapes whose value we do not know (only where the inputs are not random). */
  tokenShapes?: boolean;
  /** Values this run made that no log line may carry (an OAuth state and code, say). */
  secrets?: readonly string[];
}

/** The OAuth install's answers are HTML pages for a browser, not the API's JSON. */
const isPage = (answer: Answer) => answer.sentPath.startsWith('/oauth/');

/** The API's error answers (JSON, in the contract's shape). */
export function errorAnswers(harness: Harness): Answer[] {
  return harness.answers.filter((answer) => answer.status >= 400 && !isPage(answer));
}

export function assertNoLeaks(harness: Harness, options: LeakOptions = {}): { logLines: number; errorBodies: number } {
  const problems: string[] = [];
  // Plain loops and one expect at the end: a fuzz run leaves tens of thousands of lines to scan.
  const fixed = [TEST_SECRET, ...(options.secrets ?? []), ...(options.databaseUrl ? [options.databaseUrl, databasePassword(options.databaseUrl)] : [])]
    .filter((s): s is string => Boolean(s));
  const carriesSecret = (text: string): string | undefined => {
    const found = fixed.find((secret) => text.includes(secret));
    if (found) return found;
    // Signatures are 44-character base64 digests (v3) or 64 hex digits (v1/v2): look each candidate up.
    for (const match of text.matchAll(/[A-Za-z0-9+/]{43}=|[0-9a-f]{64}/g)) if (harness.signaturesSent.has(match[0])) return match[0];
    return undefined;
  };

  for (const line of harness.logs) {
    const secret = carriesSecret(line);
    if (secret) problems.push(`a log line carries a secret (${secret.slice(0, 4)}…): ${around(line, secret)}`);
    if (options.tokenShapes) for (const { name, pattern } of TOKEN_SHAPES) if (pattern.test(line)) problems.push(`a log line carries ${name}: ${line.slice(0, 400)}`);
  }

  const errors = errorAnswers(harness);
  for (const answer of [...errors, ...harness.answers.filter((page) => page.status >= 400 && isPage(page))]) {
    const label = `${answer.status} ${answer.sentPath.slice(0, 200)}: ${answer.text.slice(0, 400)}`;
    if (!isPage(answer) && (typeof answer.json !== 'object' || answer.json === null)) problems.push(`an error answer that is not JSON: ${label}`);
    if (hasKey(answer.json, 'stack')) problems.push(`an error answer with a stack: ${label}`);
    const text = withoutEcho(answer);
    for (const { name, pattern } of INTERNALS) if (pattern.test(text)) problems.push(`an error answer carries ${name}: ${label}`);
    const secret = carriesSecret(answer.text);
    if (secret) problems.push(`an error answer carries a secret (${secret.slice(0, 4)}…): ${label}`);
    if (answer.status === 500 && !isPage(answer) && !isBareInternalError(answer.json)) problems.push(`a 500 that says more than "internal error": ${label}`);
  }
  expect(problems.slice(0, 10)).toEqual([]);
  return { logLines: harness.logs.length, errorBodies: errors.length };
}

function isBareInternalError(json: unknown): boolean {
  const error = (json as { error?: Record<string, unknown> } | undefined)?.error;
  return Boolean(error) && Object.keys(json as object).length === 1 && error!.code === 'internal' && error!.message === 'internal error'
    && Object.keys(error!).every((key) => ['code', 'message', 'requestId'].includes(key));
}
