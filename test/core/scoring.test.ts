import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scoreDeal } from '../../src/index.js';
import { buildDeal, buildPolicy } from './support/builders.js';

const policy = buildPolicy();

describe('scoring a deal', () => {
  it.each<[string, Record<string, string | null>, string, number | null, number]>([
    ['below every band', { discount_percent: '9.99' }, 'below_bands', null, 0],
    ['exactly on a band (from is inclusive)', { discount_percent: '10' }, 'scored', 10, 15],
    ['between bands: the highest band at or below', { discount_percent: '29.999' }, 'scored', 20, 35],
    ['above the top band', { discount_percent: '95' }, 'scored', 30, 50],
    ['a decimal with trailing zeros', { discount_percent: '20.000' }, 'scored', 20, 35],
    ['missing', {}, 'missing', null, 0],
    ['cleared to an empty string', { discount_percent: '' }, 'missing', null, 0],
    ['null', { discount_percent: null }, 'missing', null, 0],
    ['a thousands separator is not guessed', { discount_percent: '12,5' }, 'unparsable', null, 0],
    ['scientific notation is not guessed', { discount_percent: '2e1' }, 'unparsable', null, 0],
  ])('a banded factor %s', (_name, properties, status, band, points) => {
    const factor = scoreDeal(buildDeal(properties), policy).factors[0];
    expect(factor).toEqual({ id: 'discount', property: 'discount_percent', value: properties.discount_percent || null, status, band, points });
  });

  it.each([
    ['a listed value', 'net_90', 'scored', 25],
    ['an unlisted value', 'net_30', 'not_listed', 0],
    ['a value in another case (values are exact)', 'NET_90', 'not_listed', 0],
  ])('a value factor with %s', (_name, value, status, points) => {
    const factor = scoreDeal(buildDeal({ payment_terms: value }), policy).factors[1];
    expect(factor).toMatchObject({ status, points, band: null });
  });

  it('sums factor points and clamps to 0..100, keeping the raw total', () => {
    const high = buildPolicy((d) => { d.scoring.factors[1]!.values!.net_90 = 100; });
    expect(scoreDeal(buildDeal({ discount_percent: '40', payment_terms: 'net_90' }), high)).toMatchObject({ score: 100, total: 150 });
    const negative = buildPolicy((d) => { d.scoring.factors[1]!.values!.prepaid = -20; });
    expect(scoreDeal(buildDeal({ payment_terms: 'prepaid' }), negative)).toMatchObject({ score: 0, total: -20 });
  });

  it('keeps every score within 0..100, whatever the deal and points', () => {
    const points = fc.integer({ min: -100, max: 100 });
    const value = fc.oneof(fc.constant(null), fc.string(), fc.double({ noNaN: true, noDefaultInfinity: true }).map(String), fc.integer().map(String));
    fc.assert(fc.property(fc.array(points, { minLength: 3, maxLength: 3 }), points, value, value, (bands, listed, discount, terms) => {
      const p = buildPolicy((d) => {
        d.scoring.factors[0]!.bands = bands.map((pts, i) => ({ from: i * 10, points: pts }));
        d.scoring.factors[1]!.values = { net_60: listed, [terms ?? 'x']: listed };
      });
      const { score } = scoreDeal(buildDeal({ discount_percent: discount, payment_terms: terms }), p);
      expect(Number.isInteger(score) && score >= 0 && score <= 100).toBe(true);
    }));
  });
});
