// Policy documents for the admin fuzz: the examples, mutations of them, YAML that has hurt parsers before, and
// valid policies of every shape (validPolicySource), which must then run end to end.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { parsePolicy } from '../../../src/policy/parse-policy.js';
import { POLICY_LIMITS } from '../../../src/policy/limits.js';
import { demoDirectory } from '../../../server/demo/seed-demo-portal.js';
import { crowdPolicy, SALES_POLICY_SOURCE } from '../../support/factories.js';
import { hostileShortString, NASTY_STRINGS } from './hostile.js';

const CLIENT_SUCCESS_SOURCE = readFileSync('examples/policies/client-success.yaml', 'utf8');
const BASES = [SALES_POLICY_SOURCE, CLIENT_SUCCESS_SOURCE, crowdPolicy(3, 'any').source, crowdPolicy(4, 'quorum', 2).source];

/** Conditions nested `depth` levels deep through `any`, in flow style (JSON is YAML). */
const deepCondition = (depth: number) => JSON.stringify({
  name: 'deep', scoring: { factors: [] },
  routes: [{ id: 'deep', when: JSON.parse(`${'{"any":['.repeat(depth)}{"always":true}${']}'.repeat(depth)}`) as unknown, autoApprove: true }],
});

export const YAML_NASTIES = [
  '', ' ', '---', '---\n---\n', '...', '~', 'null', '[]', '{}', '42', '"just a string"', '- a\n- b',
  'name: x\nname: y', // duplicate key
  '__proto__: { polluted: true }\nname: proto', 'constructor: { prototype: { polluted: true } }',
  'name: !!js/function "function(){return 1}"', 'name: !!binary aGVsbG8=', 'name: !custom-tag x', 'name: !!timestamp 2001-12-14',
  '<<: { name: merged }\nscoring: { factors: [] }', 'base: &b { name: x }\nother: *b', '? [complex, key]\n: value',
  'name: 1e999', 'name: 0x1F', 'name: .inf', 'name: .nan', 'name: "\\0"', 'name: "\\ud800"', 'name: "\\x00"',
  '\t\tname: tabs', 'name: [unclosed', 'name: {a: 1', '%YAML 1.1\n---\nname: x', '%TAG ! tag:x,2000:\n---\nname: !foo x',
  `${'['.repeat(5000)}`, `${'- '.repeat(3000)}x`, `name: ${'x'.repeat(190_000)}`,
  deepCondition(50), deepCondition(400), deepCondition(1500),
  // Each of these once answered 500 or blocked the service (issue 15): a cyclic alias overflowed the stack,
  // and the unreachable-route check was quadratic in an "in" list or an "any" (5 s with /healthz waiting).
  'name: cyclic\ndescription: &d [*d]\nscoring: { factors: [] }\nroutes: [{ id: auto, when: { always: true }, autoApprove: true }]',
  'scoring: &s { factors: [ { id: f, property: p, values: { x: *s } } ] }\nname: x\nroutes: []',
  'name: proto\nscoring: { factors: [ { id: f, property: p, values: { __proto__: 5 } } ] }\nroutes: [{ id: auto, when: { always: true }, autoApprove: true }]',
  largePolicy({ property: 'tier', in: Array.from({ length: 17_000 }, (_, i) => `t${i}`) }),
  largePolicy({ any: Array.from({ length: 3_300 }, (_, i) => ({ property: `p${i % 7}`, equals: `v${i}` })) }),
  largePolicy({ property: 'amount', from: 1 }, { documentBytes: true }),
];

/** Two routes on `when` and a catch-all; with `documentBytes`, a description that takes it just past the size limit. */
function largePolicy(when: unknown, options: { documentBytes?: boolean } = {}): string {
  const route = (id: string) => ({ id, when, steps: [{ id: 's', approvers: { users: ['dealdesk@acme.example'] }, mode: 'any', slaHours: 1 }] });
  return JSON.stringify({
    name: 'large', ...(options.documentBytes ? { description: 'x'.repeat(POLICY_LIMITS.documentBytes) } : {}),
    scoring: { factors: [] }, routes: [route('first'), route('second'), { id: 'rest', when: { always: true }, autoApprove: true }],
  });
}

// ---- valid policies of every shape ---------------------------------------------------------------------------

const DIRECTORY_EMAILS = demoDirectory().directory.users.filter((user) => user.active !== false).map((user) => user.email);

/** Deal properties a policy may read: ordinary ones, names an object has as members, and non-ASCII ones. */
export const POLICY_PROPERTIES = ['amount', 'discount_percent', 'payment_terms', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'région'];
/** Values a property may be tested against or scored by. */
export const POLICY_VALUES = ['net_30', 'net_60', 'yes', 'constructor', 'toString', '__proto__', 'Ärger'];
const TEAMS = ['NA', 'EMEA', 'APAC', 'Finance', 'Leadership', 'constructor', 'toString', 'hasOwnProperty'];

const property = fc.constantFrom(...POLICY_PROPERTIES);
const value = fc.constantFrom(...POLICY_VALUES);
const valueKey = fc.constantFrom(...POLICY_VALUES.filter((v) => v !== '__proto__'));
/** Any finite number: integers, decimals, tiny and huge ones, -0. */
const number = fc.oneof(fc.integer({ min: -1_000, max: 1_000_000 }), fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e9, max: 1e9 }));
const emails = fc.subarray(DIRECTORY_EMAILS, { minLength: 1, maxLength: 3 });
const text = fc.oneof(fc.constantFrom('Deal desk', 'Überprüfung', 'constructor', '直行'), fc.string({ maxLength: 12 }));

const range = fc.tuple(number, number).map(([a, b]) => (a < b ? { from: a, below: b } : b < a ? { from: b, below: a } : { from: a }));
const leaf = fc.oneof(
  fc.tuple(property, fc.oneof(range, number.map((from) => ({ from })), number.map((below) => ({ below }))))
    .map(([name, bounds]) => ({ property: name, ...bounds })),
  fc.tuple(property, value).map(([name, equals]) => ({ property: name, equals })),
  fc.tuple(property, fc.uniqueArray(value, { minLength: 1, maxLength: 4 })).map(([name, values]) => ({ property: name, in: values })),
  fc.tuple(property, fc.boolean()).map(([name, exists]) => ({ property: name, exists })),
  fc.oneof(fc.integer({ min: 1, max: 100 }).map((from) => ({ from })), fc.record({ from: fc.integer({ min: 1, max: 60 }), below: fc.integer({ min: 61, max: 101 }) }))
    .map((score) => ({ score })),
);
const condition: fc.Arbitrary<unknown> = fc.letrec<{ c: unknown }>((tie) => ({
  c: fc.oneof({ depthSize: 'small', maxDepth: 3 },
    leaf,
    fc.array(tie('c'), { minLength: 1, maxLength: 3 }).map((all) => ({ all })),
    fc.array(tie('c'), { minLength: 1, maxLength: 3 }).map((any) => ({ any })),
    tie('c').map((not) => ({ not }))),
})).c;

const source = fc.oneof(
  fc.record({ users: emails }),
  fc.constantFrom(...TEAMS).map((team) => ({ team })),
  fc.constant({ role: 'approver' }),
  fc.constant({ ownerManager: true as const }),
).chain((approvers) => fc.option(emails, { nil: undefined }).map((fallback) => (fallback ? { ...approvers, fallback } : approvers)));

const slaHours = fc.oneof(fc.constantFrom(0.25, 0.5, 1.5, 24, 100.75, 24 * 365), fc.double({ noNaN: true, min: 0.25, max: 24 * 365 }));
const step = fc.record({ approvers: source, mode: fc.constantFrom('any', 'all', 'quorum'), slaHours, label: fc.option(text, { nil: undefined }) })
  .map(({ mode, label, ...rest }) => ({ ...rest, mode, ...(mode === 'quorum' ? { quorum: 1 } : {}), ...(label === undefined ? {} : { label }) }));
const outcome = fc.oneof(fc.array(step, { minLength: 1, maxLength: 3 }).map((steps) => ({ steps: steps.map((s, i) => ({ id: `s${i}`, ...s })) })), fc.constant({ autoApprove: true as const }));

const factor = fc.oneof(
  fc.tuple(property, fc.uniqueArray(number, { minLength: 1, maxLength: 3, comparator: (a, b) => a === b }), fc.integer({ min: -100, max: 100 }))
    .map(([name, froms, points]) => ({ property: name, bands: froms.map((from, i) => ({ from, points: (points + 17 * i) % 101 })) })),
  fc.tuple(property, fc.dictionary(valueKey, fc.integer({ min: -100, max: 100 }), { minKeys: 1, maxKeys: 3 })).map(([name, values]) => ({ property: name, values })),
);

/** A valid policy document (the semantic checks pass), as YAML or JSON, with the odd corners valid documents have. */
export const validPolicySource: fc.Arbitrary<string> = fc.record({
  name: text.filter((name) => name.trim() !== ''),
  factors: fc.array(factor, { maxLength: 4 }),
  routes: fc.array(fc.tuple(condition, outcome, fc.option(text, { nil: undefined })), { maxLength: 4 }),
  last: outcome,
  byTeam: fc.dictionary(fc.constantFrom(...TEAMS), emails, { maxKeys: 4 }),
  roleFallback: fc.option(emails, { nil: undefined }),
  escalation: fc.option(source, { nil: undefined }),
  material: fc.subarray(POLICY_PROPERTIES),
  json: fc.boolean(),
}).map(({ name, factors, routes, last, byTeam, roleFallback, escalation, material, json }) => {
  const doc = {
    name,
    scoring: { factors: factors.map((f, i) => ({ id: `f${i}`, ...f })) },
    routes: [
      ...routes.map(([when, then, label], i) => ({ id: `r${i}`, when, ...then, ...(label === undefined ? {} : { label }) })),
      { id: 'rest', when: { always: true }, ...last },
    ],
    roles: { approver: { byTeam, ...(roleFallback ? { fallback: roleFallback } : {}) } },
    materialProperties: material,
    ...(escalation ? { escalation: { to: escalation } } : {}),
  };
  return json ? JSON.stringify(doc) : stringify(doc);
}).filter((text) => parsePolicy(text).ok);

const lines = (source: string) => source.split('\n');

/** A mutation of an example policy: a line dropped, doubled or replaced, a token swapped, the text cut. */
const mutatedExample = fc.tuple(fc.constantFrom(...BASES), fc.nat(), fc.oneof(hostileShortString, fc.constantFrom(...NASTY_STRINGS)), fc.nat({ max: 5 }))
  .map(([source, at, text, how]) => {
    const all = lines(source);
    const index = at % all.length;
    switch (how) {
      case 0: return all.filter((_, i) => i !== index).join('\n');
      case 1: return [...all.slice(0, index), all[index], ...all.slice(index)].join('\n');
      case 2: return [...all.slice(0, index), `${all[index]?.match(/^\s*/)?.[0] ?? ''}${text}`, ...all.slice(index + 1)].join('\n');
      case 3: return source.slice(0, at % source.length);
      case 4: return source.replace(/(\w+):/, `${JSON.stringify(text)}:`);
      default: return source.replace(/: [^\n{[]+/, `: ${JSON.stringify(text)}`);
    }
  });

export const policySource = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom(...BASES) },
  { weight: 2, arbitrary: validPolicySource },
  { weight: 6, arbitrary: mutatedExample },
  { weight: 3, arbitrary: fc.constantFrom(...YAML_NASTIES) },
  { weight: 2, arbitrary: hostileShortString },
);
