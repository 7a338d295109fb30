// Policy documents for the admin fuzz: the examples, mutations of them, and YAML that has hurt parsers before.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
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
];

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
  { weight: 6, arbitrary: mutatedExample },
  { weight: 3, arbitrary: fc.constantFrom(...YAML_NASTIES) },
  { weight: 2, arbitrary: hostileShortString },
);
