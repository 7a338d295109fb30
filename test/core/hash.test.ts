import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, hashJson, sha256Hex } from '../../src/index.js';
import { shuffleKeys } from './support/shuffle-keys.js';

describe('canonicalJson', () => {
  it.each([
    ['sorts keys at every depth', { b: 1, a: { d: [1, { z: 1, y: 2 }], c: null } }, '{"a":{"c":null,"d":[1,{"y":2,"z":1}]},"b":1}'],
    ['drops undefined members', { a: undefined, b: 2 }, '{"b":2}'],
    ['keeps array positions for undefined', [1, undefined, 3], '[1,null,3]'],
    ['writes 1.0 as 1 and -0 as 0', [1.0, -0, 0.1, 1e21, 2.5e-7], '[1,0,0.1,1e+21,2.5e-7]'],
    ['escapes strings as JSON does', { 'é"\n': 'ü\u2028' }, '{"é\\"\\n":"ü\u2028"}'],
  ])('%s', (_name, value, expected) => {
    expect(canonicalJson(value)).toBe(expected);
  });

  it.each([
    ['NaN', Number.NaN], ['Infinity', Infinity], ['a bigint', 1n], ['a Map', new Map()], ['a Set', new Set()], ['a function', () => 1],
  ])('refuses %s', (_name, value) => {
    expect(() => canonicalJson({ x: value })).toThrow(TypeError);
  });

  it('gives the same text whatever the key order', () => {
    fc.assert(fc.property(fc.jsonValue(), (value) => {
      expect(canonicalJson(shuffleKeys(value))).toBe(canonicalJson(value));
    }));
  });

  it('reads back as the same JSON value', () => {
    fc.assert(fc.property(fc.jsonValue(), (value) => {
      expect(JSON.parse(canonicalJson(value))).toEqual(JSON.parse(JSON.stringify(value)));
    }));
  });
});

describe('sha256Hex', () => {
  it('matches the FIPS 180-2 test vectors', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('hashes the UTF-8 bytes of any text, as node:crypto does', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (text) => {
      expect(sha256Hex(text)).toBe(createHash('sha256').update(text, 'utf8').digest('hex'));
    }));
  });

  it('hashes a JSON value by its canonical text', () => {
    expect(hashJson({ b: 1, a: 2 })).toBe(sha256Hex('{"a":2,"b":1}'));
  });
});

describe('canonicalJson refusals', () => {
  it('name the path to the value refused', () => {
    expect(() => canonicalJson({ a: [1, { b: Number.NaN }] })).toThrow('canonicalJson: $.a[1].b is not a finite number');
    expect(() => canonicalJson([{ when: new Date(0) }])).toThrow('canonicalJson: $[0].when is not a plain object');
  });
});
