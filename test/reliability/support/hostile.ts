// Hostile input for the fuzz tests: strings with control characters, lone surrogates and injection payloads,
// huge strings, deep nesting, prototype keys, wrong types, and mutations of each endpoint's valid body.
import fc from 'fast-check';

/** Characters that break naive code: NUL, controls, lone surrogates, RTL override, BOM, astral symbols. */
export const SPECIAL_CHARS = [
  '\u0000', '\u0001', '\u0008', '\t', '\n', '\r', '\u001b', '\u007f', '\u0085', '\u00a0', '\u200b', '\u202e',
  '\u2028', '\u2029', '\ufeff', '\ufffd', '\uffff', '\ud800', '\udbff', '\udc00', '\udfff', '😀', '𝕏', 'é', 'ß', 'İ',
  '"', '\'', '\\', '/', '%', '&', '?', '#', '<', '>', '{', '}', '[', ']', '$', '`', '*', ':', '@', ';', ',',
];

/** Payloads that have broken parsers, SQL, templates and shells elsewhere. */
export const NASTY_STRINGS = [
  '', ' ', '   ', '\u0000', 'null', 'undefined', 'NaN', 'Infinity', '-1', '0', '1e309', '9007199254740993', '0x10', '00',
  '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty',
  '\' OR \'1\'=\'1', '\'; DROP TABLE portals; --', '1; SELECT pg_sleep(5)', '$1', '?', ':id', '\\x00',
  '<script>alert(1)</script>', '{{7*7}}', '${7*7}', '%s%s%s%n', '../../../../etc/passwd', '%00', '%2e%2e%2f',
  'a@b.c', 'approve', 'reject', 'on', 'off', 'shadow', '00000000-0000-4000-8000-000000000000',
  '\ud800', 'a\udc00b', '\u202eevil', 'ﷺ', 'Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǫ̗͕̹̋', '👩‍👩‍👧‍👦'.repeat(3),
];

const unit = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 3, arbitrary: fc.constantFrom(...SPECIAL_CHARS) },
  { weight: 3, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }) },
);

/** A string of up to ~60 code units from a hostile alphabet. */
export const hostileShortString = fc.string({ unit, maxLength: 60 });

/** A long string: a repeated hostile chunk past every field's limit (2,000; 200,000), sometimes past the 1 MB body limit. */
export const hugeString = fc.tuple(
  fc.constantFrom('x', 'é', '😀', '\u0000', 'ab\ud800', '"\\'),
  fc.oneof({ weight: 12, arbitrary: fc.integer({ min: 1_990, max: 20_000 }) }, { weight: 2, arbitrary: fc.integer({ min: 199_990, max: 210_000 }) }, { weight: 1, arbitrary: fc.integer({ min: 1_000_000, max: 1_100_000 }) }),
).map(([chunk, length]) => chunk.repeat(Math.ceil(length / chunk.length)).slice(0, length));

// Huge strings are rare (a few in a hundred): each one costs tens of milliseconds to send and parse.
export const hostileString = fc.oneof(
  { weight: 60, arbitrary: hostileShortString },
  { weight: 30, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
  { weight: 1, arbitrary: hugeString },
);

export const hostileNumber = fc.oneof(
  fc.integer(),
  fc.constantFrom(0, -0, 1, -1, 2_147_483_648, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 2, 1e308, 5e-324, 0.5, 1.0000001),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** Keys worth trying in any object: the prototype's, the real field names, and anything else. */
export function hostileKey(fieldNames: readonly string[] = []) {
  return fc.oneof(
    { weight: 2, arbitrary: fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', '', ' ', 'portalId', 'userId', 'userEmail') },
    { weight: fieldNames.length > 0 ? 3 : 0, arbitrary: fieldNames.length > 0 ? fc.constantFrom(...fieldNames) : fc.constant('x') },
    { weight: 2, arbitrary: hostileShortString },
  );
}

/** Any JSON value, hostile at every leaf, nested a few levels. */
export function hostileJson(fieldNames: readonly string[] = []): fc.Arbitrary<unknown> {
  const { value } = fc.letrec<{ value: unknown }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      hostileString,
      hostileNumber,
      fc.boolean(),
      fc.constant(null),
      fc.array(tie('value'), { maxLength: 5 }),
      fc.dictionary(hostileKey(fieldNames), tie('value'), { maxKeys: 5, noNullPrototype: true }),
    ),
  }));
  return value;
}

/** A JSON document nested `depth` levels deep, as text (JSON.stringify would be slow to build it). */
export const deeplyNestedJson = fc.tuple(fc.oneof({ weight: 9, arbitrary: fc.integer({ min: 100, max: 5_000 }) }, { weight: 1, arbitrary: fc.integer({ min: 5_000, max: 150_000 }) }), fc.constantFrom('array', 'object'))
  .map(([depth, kind]) => (kind === 'array' ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`));

/** How a case's body goes on the wire: JSON text, or raw bytes that are not JSON at all. */
export type BodyCase = { kind: 'json'; value: unknown } | { kind: 'raw'; text: string };

/** Ways to break a valid body: drop, replace, add, retype, wrap. */
export function mutatedBody(valid: fc.Arbitrary<Record<string, unknown>>, fieldNames: readonly string[]): fc.Arbitrary<unknown> {
  const field = fc.constantFrom(...fieldNames);
  return fc.oneof(
    valid,
    fc.tuple(valid, field).map(([body, name]) => omit(body, name)),
    fc.tuple(valid, field, hostileJson(fieldNames)).map(([body, name, value]) => ({ ...body, [name]: value })),
    fc.tuple(valid, field, hostileString).map(([body, name, value]) => ({ ...body, [name]: value })),
    fc.tuple(valid, hostileKey(fieldNames), hostileJson()).map(([body, key, value]) => withOwnKey(body, key, value)),
    fc.tuple(valid, field).map(([body, name]) => ({ ...body, [name]: retype(body[name]) })),
    valid.map((body) => [body]),
    valid.map((body) => ({ body })),
    fc.tuple(valid, fc.constantFrom('__proto__', 'constructor')).map(([body, key]) => withOwnKey({}, key, body)),
  );
}

/** A body for an endpoint: a mutation of its valid shape, any hostile JSON, deep nesting or non-JSON bytes. */
export function bodyCase(valid: fc.Arbitrary<Record<string, unknown>>, fieldNames: readonly string[]): fc.Arbitrary<BodyCase> {
  return fc.oneof(
    { weight: 20, arbitrary: mutatedBody(valid, fieldNames).map((value) => ({ kind: 'json' as const, value })) },
    { weight: 8, arbitrary: hostileJson(fieldNames).map((value) => ({ kind: 'json' as const, value })) },
    { weight: 1, arbitrary: deeplyNestedJson.map((text) => ({ kind: 'raw' as const, text })) },
    { weight: 2, arbitrary: fc.oneof(hostileShortString, fc.constantFrom('{', '{"a":', '[1,]', '{\'a\':1}', 'null', '42', '"x"', 'true', '\u0000', '\ufeff{}', '{"a":1}{"b":2}', 'NaN'))
      .map((text) => ({ kind: 'raw' as const, text })) },
  );
}

/** The body's wire text. JSON.stringify keeps an own "__proto__" key, so it reaches the server as sent. */
export function bodyText(body: BodyCase): string {
  return body.kind === 'raw' ? body.text : JSON.stringify(body.value) ?? 'null';
}

function omit(body: Record<string, unknown>, name: string): Record<string, unknown> {
  const copy = { ...body };
  delete copy[name];
  return copy;
}

function withOwnKey(body: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  const copy = { ...body };
  Object.defineProperty(copy, key, { value, enumerable: true, configurable: true, writable: true });
  return copy;
}

/** A number as a string, a string as a number, a scalar as an array: the classic type slips. */
function retype(value: unknown): unknown {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return /^\d+$/.test(value) ? Number(value) : [value];
  if (typeof value === 'boolean') return String(value);
  if (value === undefined || value === null) return {};
  return JSON.stringify(value);
}

/** Extra query parameters: hostile names and values, never the identity names (the identity fuzz does those). */
export const extraQuery = fc.array(
  fc.tuple(
    fc.oneof(fc.constantFrom('__proto__', 'constructor', 'dealId', 'requestId', 'version', 'flag', 'verdict', 'appId', 'a[b]', 'a[]', 'x.y'), hostileShortString)
      .filter((name) => !['portalId', 'userId', 'userEmail'].includes(name)),
    fc.oneof(hostileShortString, fc.constantFrom(...NASTY_STRINGS)),
  ),
  { maxLength: 4 },
);

export function encodeQuery(pairs: readonly (readonly [string, string])[]): string {
  // encodeURIComponent throws on a lone surrogate; such a pair goes on the wire as raw %-escapes of its UTF-8 replacement.
  const encode = (text: string) => encodeURIComponent(text.toWellFormed());
  return pairs.map(([name, value]) => `${encode(name)}=${encode(value)}`).join('&');
}

/** Extra headers: content types, encodings, request ids, forwarding headers, and noise. */
export const extraHeaders = fc.dictionary(
  fc.constantFrom('content-type', 'accept', 'x-request-id', 'x-forwarded-for', 'accept-encoding', 'user-agent', 'x-hubspot-signature', 'x-hubspot-signature-version', 'origin', 'cookie', 'x-custom'),
  fc.oneof(
    fc.constantFrom('application/json', 'application/json; charset=utf-8', 'application/json; charset=latin1', 'application/json; charset=utf-16',
      'application/json; charset=UTF-16LE', 'application/json; charset=utf-32', 'application/json; charset="UTF-8"', 'application/json;charset=utf8',
      'application/vnd.api+json', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', '*/*', '',
      'v1', 'v2', 'v3', 'gzip', 'req-1', '../../etc', 'x'.repeat(200)),
    // Header values must be visible ASCII for node's client to send them.
    fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)), maxLength: 80 }),
  ),
  { maxKeys: 3, noNullPrototype: true },
);

/** True when a value carries a string Postgres cannot store: a NUL, or a lone surrogate half. */
export function carriesUnstorableText(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000') || !value.isWellFormed();
  if (Array.isArray(value)) return value.some(carriesUnstorableText);
  if (value && typeof value === 'object') return Object.entries(value).some(([key, item]) => carriesUnstorableText(key) || carriesUnstorableText(item));
  return false;
}
