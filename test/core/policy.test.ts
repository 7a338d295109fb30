import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { hashJson, parsePolicy, validatePolicy, type PolicyProblem } from '../../src/index.js';
import { renderPolicySchema, SCHEMA_PATH } from '../../scripts/write-policy-schema.js';
import { policyDocument } from './support/builders.js';
import { EXAMPLE_NAMES, policyPath } from '../support/examples.js';
import { shuffleKeys } from './support/shuffle-keys.js';

// The documents under test are deliberately malformed, so they are edited untyped.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = Record<string, any>;

function problemsOf(edit: (doc: Doc) => void): PolicyProblem[] {
  const doc = policyDocument() as Doc;
  edit(doc);
  const result = validatePolicy(doc);
  return result.ok ? [] : result.problems;
}

describe('parsing a policy', () => {
  it('accepts the test policy as YAML and as JSON, with the same hash', () => {
    const fromYaml = parsePolicy(stringify(policyDocument()));
    const fromJson = parsePolicy(JSON.stringify(policyDocument()));
    expect(fromYaml.ok && fromJson.ok).toBe(true);
    if (fromYaml.ok && fromJson.ok) expect(fromYaml.hash).toBe(fromJson.hash);
  });

  it('hashes the same whatever the key order', () => {
    const a = parsePolicy(JSON.stringify(policyDocument()));
    const b = parsePolicy(JSON.stringify(shuffleKeys(policyDocument())));
    expect(a.ok && b.ok && a.hash === b.hash).toBe(true);
    if (a.ok) expect(a.hash).toBe(hashJson(a.policy));
  });

  it.each(EXAMPLE_NAMES)('accepts the %s example', (name) => {
    const result = parsePolicy(readFileSync(policyPath(name), 'utf8'));
    expect(result.ok ? [] : result.problems).toEqual([]);
  });

  it('reports YAML syntax errors with line and column', () => {
    const result = parsePolicy('name: [unclosed\nroutes: 1');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems[0]!.message).toMatch(/^line \d+, column \d+: /);
  });

  it('rejects duplicate YAML keys rather than keeping the last one', () => {
    expect(parsePolicy('name: a\nname: b\n').ok).toBe(false);
  });
});

describe('policy problems, each with its path', () => {
  it.each<[string, (doc: Doc) => void, string, RegExp]>([
    ['a quorum larger than its approvers', (d) => { d.routes[0].steps[1] = { id: 'finance', approvers: { users: ['a@x.test', 'b@x.test'] }, mode: 'quorum', quorum: 3, slaHours: 1 }; }, 'routes[0].steps[1].quorum', /must be ≤ the number of approvers/],
    ['a role quorum larger than any team list plus fallbacks', (d) => { d.routes[0].steps[0] = { id: 'manager', approvers: { role: 'sales_manager' }, mode: 'quorum', quorum: 3, slaHours: 1 }; }, 'routes[0].steps[0].quorum', /at most 2/],
    ['quorum mode without a quorum', (d) => { delete d.routes[0].steps[1].quorum; }, 'routes[0].steps[1].quorum', /required with mode quorum/],
    ['a quorum on an any step', (d) => { d.routes[1].steps[0].quorum = 1; }, 'routes[1].steps[0].quorum', /only allowed there/],
    ['an unknown role', (d) => { d.routes[1].steps[0].approvers = { role: 'vp' }; }, 'routes[1].steps[0].approvers.role', /unknown role "vp" \(roles: sales_manager\)/],
    ['an unknown escalation role', (d) => { d.escalation = { to: { role: 'nobody' } }; }, 'escalation.to.role', /unknown role/],
    ['a duplicate route id', (d) => { d.routes[1].id = 'executive'; }, 'routes[1].id', /duplicate route id "executive"/],
    ['a duplicate step id', (d) => { d.routes[0].steps[1].id = 'manager'; }, 'routes[0].steps[1].id', /duplicate step id/],
    ['a duplicate factor id', (d) => { d.scoring.factors[1].id = 'discount'; }, 'scoring.factors[1].id', /duplicate factor id/],
    ['two bands from the same value', (d) => { d.scoring.factors[0].bands[1].from = 10; }, 'scoring.factors[0].bands[1].from', /already starts at 10/],
    ['no catch-all route', (d) => { d.routes.pop(); }, 'routes[1].when', /no route always matches/],
    ['a route after a catch-all', (d) => { d.routes.push({ id: 'late', when: { score: { from: 1 } }, autoApprove: true }); }, 'routes[3].when', /routes\[2\] \("auto"\) always matches first/],
    ['a route shadowed by a wider score test', (d) => { d.routes.splice(2, 0, { id: 'higher', when: { score: { from: 40 } }, autoApprove: true }); }, 'routes[2].when', /already taken by an earlier route/],
    ['a route shadowed by an any branch', (d) => { d.routes.splice(2, 0, { id: 'huge', when: { all: [{ property: 'amount', from: 900000 }, { property: 'payment_terms', equals: 'net_60' }] }, autoApprove: true }); }, 'routes[2].when', /already taken/],
    ['a route shadowed by a union of score tests', (d) => { d.routes.splice(2, 0, { id: 'low', when: { score: { from: 5, below: 30 } }, autoApprove: true }, { id: 'mid', when: { score: { from: 10, below: 50 } }, autoApprove: true }); }, 'routes[3].when', /already taken/],
    ['a condition that can never hold', (d) => { d.routes.splice(2, 0, { id: 'never', when: { property: 'amount', from: 10, below: 5 }, autoApprove: true }); }, 'routes[2].when', /can never be true/],
    ['a property condition with two tests', (d) => { d.routes[1].when = { property: 'amount', from: 1, equals: '5' }; }, 'routes[1].when', /exactly one test/],
    ['an unknown condition key', (d) => { d.routes[1].when = { scor: { from: 1 } }; }, 'routes[1].when', /expected one of the keys "always", "all", "any", "not", "score", "property"/],
    ['a typo inside a nested condition', (d) => { d.routes[0].when.any[1].form = 3; }, 'routes[0].when.any[1]', /Unrecognized key: "form"/],
    ['two approver sources in one step', (d) => { d.routes[1].steps[0].approvers = { role: 'sales_manager', team: 'EMEA' }; }, 'routes[1].steps[0].approvers', /use only one of "role", "team"/],
    ['a bad approver email', (d) => { d.routes[0].steps[1].approvers = { users: ['not-an-email'] }; }, 'routes[0].steps[1].approvers.users[0]', /email/i],
    ['a factor with both bands and values', (d) => { d.scoring.factors[1].bands = [{ from: 1, points: 1 }]; }, 'scoring.factors[1]', /either "bands" or "values"/],
    ['points out of range', (d) => { d.scoring.factors[0].bands[0].points = 150; }, 'scoring.factors[0].bands[0].points', /100/],
    ['a route with steps and autoApprove', (d) => { d.routes[1].autoApprove = true; }, 'routes[1]', /either "steps" or "autoApprove: true"/],
    ['a negative SLA', (d) => { d.routes[1].steps[0].slaHours = -1; }, 'routes[1].steps[0].slaHours', /0/],
    ['an SLA under a quarter of an hour (15 minutes)', (d) => { d.routes[1].steps[0].slaHours = 0.01; }, 'routes[1].steps[0].slaHours', /at least 0.25/],
    ['an unknown top-level key', (d) => { d.rutes = []; }, '', /Unrecognized key: "rutes"/],
    ['a role key that is not an identifier', (d) => { d.roles['sales manager'] = { fallback: ['a@x.test'] }; }, 'roles["sales manager"]', /./],
  ])('%s', (_name, edit, path, message) => {
    const problems = problemsOf(edit);
    expect(problems).toContainEqual({ path, message: expect.stringMatching(message) });
  });

  it('reports every problem at once', () => {
    const problems = problemsOf((d) => {
      d.routes[1].id = 'executive';
      d.routes[1].steps[0].approvers = { role: 'vp' };
      d.routes.pop();
    });
    expect(problems.map((p) => p.path).sort()).toEqual(['routes[1].id', 'routes[1].steps[0].approvers.role', 'routes[1].when']);
  });

  it('accepts an SLA in fractions of an hour, from a quarter of an hour', () => {
    expect(problemsOf((d) => { d.routes[0].steps[0].slaHours = 0.25; d.routes[1].steps[0].slaHours = 1.5; })).toEqual([]);
  });

  it('accepts score tests that together cover every score as the catch-all', () => {
    expect(problemsOf((d) => {
      d.routes[2] = { id: 'low', when: { score: { below: 30 } }, autoApprove: true };
    })).toEqual([]);
  });
});

describe('what a policy may hold, and documents built to hurt', () => {
  const allow = (n: number) => Array.from({ length: n }, (_, i) => `v${i}`);
  const auto = (id: string, when: unknown) => ({ id, when, autoApprove: true });
  const anyOf = (n: number, property: string) => ({ any: Array.from({ length: n }, (_, i) => ({ property, equals: `v${i}` })) });
  const nested = (levels: number) => {
    let when: unknown = { property: 'region', exists: true };
    for (let i = 1; i < levels; i++) when = { all: [when] };
    return when;
  };

  it.each<[string, (doc: Doc) => void, string, RegExp]>([
    ['101 routes', (d) => { d.routes = [...allow(100).map((v) => auto(v, { property: v, exists: true })), auto('rest', { always: true })]; }, 'routes', /100/],
    ['21 steps on a route', (d) => { d.routes[1].steps = allow(21).map((id) => ({ id, approvers: { users: ['a@x.test'] }, mode: 'any', slaHours: 1 })); }, 'routes[1].steps', /20/],
    ['101 factors', (d) => { d.scoring.factors = allow(101).map((id) => ({ id, property: id, values: { x: 1 } })); }, 'scoring.factors', /100/],
    ['an "in" list of 251 values', (d) => { d.routes[1].when = { property: 'tier', in: allow(251) }; }, 'routes[1].when.in', /250/],
    ['a factor with 251 values', (d) => { d.scoring.factors[1].values = Object.fromEntries(allow(251).map((v) => [v, 1])); }, 'scoring.factors[1].values', /250/],
    ['a role with 251 teams', (d) => { d.roles.sales_manager.byTeam = Object.fromEntries(allow(251).map((v) => [v, ['a@x.test']])); }, 'roles.sales_manager.byTeam', /250/],
    ['251 conditions across the routes', (d) => { d.routes.splice(1, 1, auto('a', anyOf(125, 'a')), auto('b', anyOf(125, 'b'))); }, 'routes[2].when', /more than 250 conditions/],
    ['conditions 13 levels deep', (d) => { d.routes[1].when = nested(13); }, `routes[1].when${'.all[0]'.repeat(12)}`, /at most 12 levels/],
    ['a document nested past 64 levels', (d) => { d.routes[1].when = nested(40); }, `routes[1].when${'.all[0]'.repeat(30)}.all`, /nested more than 64 levels deep/],
    ['"__proto__" as a property', (d) => { d.scoring.factors[0].property = '__proto__'; }, 'scoring.factors[0].property', /"__proto__" is not a property name/],
  ])('refuses %s, naming where', (_name, edit, path, message) => {
    expect(problemsOf(edit)).toContainEqual({ path, message: expect.stringMatching(message) });
  });

  it('accepts a policy at the limits', () => {
    expect(problemsOf((d) => {
      d.routes = [
        auto('tier', { property: 'tier', in: allow(250) }),
        auto('deep', nested(12)),
        ...allow(96).map((v) => auto(v, { property: v, exists: true })),
        { id: 'quick', when: anyOf(130, 'quick'), steps: allow(20).map((id) => ({ id, approvers: { users: ['a@x.test'] }, mode: 'any', slaHours: 0.5 })) },
        auto('rest', { always: true }),
      ];
      d.scoring.factors = allow(100).map((id) => ({ id, property: id, values: Object.fromEntries(allow(5).map((v) => [v, 1])) }));
      d.roles.sales_manager.byTeam = Object.fromEntries(allow(250).map((v) => [v, ['a@x.test']]));
    })).toEqual([]);
  });

  it.each([
    ['a YAML alias inside the node it names', 'description: &d [*d]', 'description[0]', /refers to a node that contains it/],
    ['an alias to an ancestor further up', 'scoring: &s { factors: [ { id: f, property: p, values: { x: *s } } ] }', 'scoring.factors[0].values.x', /refers to a node that contains it/],
    ['"__proto__" as a key, which a parsed object would drop', 'scoring: { factors: [ { id: f, property: p, values: { __proto__: 5 } } ] }', 'scoring.factors[0].values.__proto__', /"__proto__" cannot be used as a name/],
    ['flow collections 3,000 deep', `description: ${'['.repeat(3000)}${']'.repeat(3000)}`, '', /nested more than 64 levels deep/],
    ['a document over 32 KiB', `description: ${'x'.repeat(32 * 1024)}`, '', /the document is 33 KiB; a policy may be at most 32 KiB/],
  ])('reports %s as a problem, never a crash', (_name, head, path, message) => {
    const rest = 'name: hostile\nscoring: { factors: [] }\nroutes: [{ id: auto, when: { always: true }, autoApprove: true }]';
    const source = head.startsWith('scoring') ? `${head}\nname: hostile\nroutes: [{ id: auto, when: { always: true }, autoApprove: true }]` : `${head}\n${rest}`;
    const result = parsePolicy(source);
    expect(result.ok ? [] : result.problems).toContainEqual({ path, message: expect.stringMatching(message) });
  });
});

describe('the JSON Schema for editors', () => {
  it('is current: run `npm run schema:update` after changing the policy schema', () => {
    expect(readFileSync(SCHEMA_PATH, 'utf8')).toBe(renderPolicySchema());
  });
});
