import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addHours, compareToThreshold, compileThreshold, formatInstant, isDecimal, parseInstant } from '../../src/index.js';

/** Exact reference: both sides scaled to integers with BigInt. */
function exactCompare(text: string, threshold: number): number {
  const toScaled = (s: string, places: number) => {
    const negative = s.startsWith('-');
    const [int = '', frac = ''] = s.replace('-', '').split('.');
    const value = BigInt(int + frac.padEnd(places, '0'));
    return negative ? -value : value;
  };
  // The policy number means the decimal its shortest round-trip form spells.
  const t = String(threshold);
  const places = Math.max(text.split('.')[1]?.length ?? 0, t.split('.')[1]?.length ?? 0);
  const a = toScaled(text, places);
  const b = toScaled(t, places);
  return a < b ? -1 : a > b ? 1 : 0;
}

function padded(text: string, zeros: number): string {
  if (zeros === 0) return text;
  return text.includes('.') ? text + '0'.repeat(zeros) : `${text}.${'0'.repeat(zeros)}`;
}

describe('decimal strings from HubSpot', () => {
  it.each([
    ['12000.50', true], ['-3', true], ['0', true], ['007', true],
    ['12,000', false], ['1e5', false], [' 7', false], ['7 ', false], ['', false], ['.5', false], ['5.', false], ['+5', false], ['NaN', false], ['١٢', false],
  ])('%j is a plain decimal: %s', (text, expected) => {
    expect(isDecimal(text)).toBe(expected);
  });

  it.each([
    ['10', 10, 0], ['9.99', 10, -1], ['10.000001', 10, 1], ['0.3', 0.3, 0], ['0.30000000000000004', 0.3, 1],
    ['-0', 0, 0], ['-0.01', 0, -1], ['99999999999999999999.5', 1e20, -1], ['100000000000000000000.5', 1e20, 1],
    ['500000.00', 500000, 0], ['1000000000000000000000', 1e21, 0], ['0.0000001', 1e-7, 0], ['0.00000011', 1e-7, 1],
  ])('%s compared with %d is %d', (text, threshold, expected) => {
    expect(compareToThreshold(text, compileThreshold(threshold))).toBe(expected);
  });

  it('compares exactly, long or short', () => {
    const decimalText = fc.tuple(fc.boolean(), fc.stringMatching(/^\d{1,22}$/), fc.option(fc.stringMatching(/^\d{1,12}$/), { nil: undefined }))
      .map(([neg, int, frac]) => `${neg ? '-' : ''}${int}${frac === undefined ? '' : `.${frac}`}`);
    const threshold = fc.oneof(fc.integer({ min: -1e9, max: 1e9 }), fc.double({ min: -1e6, max: 1e6, noNaN: true }).map((d) => Math.round(d * 100) / 100));
    // Half the time the text is the threshold itself, padded with zeros: equality must hold exactly.
    const pair = threshold.chain((t) => fc.tuple(fc.constant(t), fc.oneof(decimalText, fc.nat(4).map((zeros) => padded(String(t), zeros)))));
    fc.assert(fc.property(pair, ([t, text]) => {
      expect(compareToThreshold(text, compileThreshold(t))).toBe(exactCompare(text, t));
    }), { numRuns: 3000 });
  });
});

describe('ISO instants without Date', () => {
  it.each([
    ['2026-11-27T10:00:00Z', '2026-11-27T10:00:00.000Z'],
    ['2026-11-27T10:00:00.5+01:00', '2026-11-27T09:00:00.500Z'],
    ['2024-02-29T23:59:59.999-05:30', '2024-03-01T05:29:59.999Z'],
    ['1999-12-31T23:59Z', '1999-12-31T23:59:00.000Z'],
  ])('%s is %s', (iso, utc) => {
    expect(formatInstant(parseInstant(iso)!)).toBe(utc);
  });

  it.each(['2026-02-29T00:00:00Z', '2026-13-01T00:00:00Z', '2026-11-27T24:00:00Z', '2026-11-27T10:00:00', '2026-11-27', 'yesterday'])('refuses %s', (iso) => {
    expect(parseInstant(iso)).toBeNull();
  });

  it('agrees with Date for any instant from year 1 to 9999', () => {
    fc.assert(fc.property(fc.integer({ min: -62_135_596_800_000, max: 253_402_300_799_999 }), (ms) => {
      const iso = new Date(ms).toISOString();
      expect(formatInstant(ms)).toBe(iso);
      expect(parseInstant(iso)).toBe(ms);
    }));
  });

  it('adds SLA hours across month and year ends', () => {
    expect(addHours('2026-12-31T12:00:00Z', 48)).toBe('2027-01-02T12:00:00.000Z');
    expect(addHours('2026-11-27T10:00:00Z', 1.5)).toBe('2026-11-27T11:30:00.000Z');
    expect(addHours('not a time', 1)).toBeNull();
  });
});
