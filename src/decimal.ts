// Exact comparison of HubSpot's decimal strings against policy thresholds, without locale guessing
// and without binary floating-point surprises.
//
// Fast path: a decimal of at most 15 significant digits converts to a distinct double, and rounding
// to nearest is monotonic, so comparing the doubles gives the exact decimal order. Anything longer
// is compared digit by digit on its normalised text.

/** Plain decimal notation only: "12000.50" and "-3" parse; "12,000", "1e5", " 7", "" do not. */
const DECIMAL = /^-?\d+(?:\.\d+)?$/;
const MAX_FAST_DIGITS = 15;

export interface Threshold {
  /** The policy number as written (its shortest round-trip form is the decimal the author meant). */
  readonly value: number;
  readonly fast: boolean;
  readonly exact: NormalDecimal;
}

interface NormalDecimal {
  readonly negative: boolean;
  /** Integer digits without leading zeros ("" for zero). */
  readonly int: string;
  /** Fraction digits without trailing zeros. */
  readonly frac: string;
}

export function isDecimal(text: string): boolean {
  return DECIMAL.test(text);
}

export function compileThreshold(value: number): Threshold {
  const text = plainDecimal(value);
  return { value, fast: digitCount(text) <= MAX_FAST_DIGITS, exact: normalise(text) };
}

/** Sign of (text - threshold); text must already satisfy isDecimal. */
export function compareToThreshold(text: string, threshold: Threshold): -1 | 0 | 1 {
  if (threshold.fast && digitCount(text) <= MAX_FAST_DIGITS) {
    const n = Number(text);
    return n < threshold.value ? -1 : n > threshold.value ? 1 : 0;
  }
  return compareNormal(normalise(text), threshold.exact);
}

function digitCount(text: string): number {
  let n = text.length;
  if (text.charCodeAt(0) === 45 /* - */) n--;
  if (text.includes('.')) n--;
  return n;
}

/** A policy number in plain notation: 1e21 becomes "1000000000000000000000", 1e-7 "0.0000001". */
function plainDecimal(value: number): string {
  const text = String(value);
  const e = text.indexOf('e');
  if (e < 0) return text;
  const negative = text.startsWith('-');
  const mantissa = text.slice(negative ? 1 : 0, e);
  const exponent = Number(text.slice(e + 1));
  const [intPart = '', fracPart = ''] = mantissa.split('.');
  const digits = intPart + fracPart;
  const point = intPart.length + exponent;
  const body = point <= 0 ? `0.${'0'.repeat(-point)}${digits}`
    : point >= digits.length ? digits + '0'.repeat(point - digits.length)
      : `${digits.slice(0, point)}.${digits.slice(point)}`;
  return negative ? `-${body}` : body;
}

function normalise(text: string): NormalDecimal {
  const negative = text.startsWith('-');
  const unsigned = negative ? text.slice(1) : text;
  const dot = unsigned.indexOf('.');
  const int = (dot < 0 ? unsigned : unsigned.slice(0, dot)).replace(/^0+/, '');
  const frac = dot < 0 ? '' : unsigned.slice(dot + 1).replace(/0+$/, '');
  // "-0" and "-0.00" are zero, which has no sign.
  return { negative: negative && (int !== '' || frac !== ''), int, frac };
}

function compareNormal(a: NormalDecimal, b: NormalDecimal): -1 | 0 | 1 {
  if (a.negative !== b.negative) return a.negative ? -1 : 1;
  const magnitude = compareMagnitude(a, b);
  return a.negative ? (-magnitude as -1 | 0 | 1) : magnitude;
}

function compareMagnitude(a: NormalDecimal, b: NormalDecimal): -1 | 0 | 1 {
  if (a.int.length !== b.int.length) return a.int.length < b.int.length ? -1 : 1;
  if (a.int !== b.int) return a.int < b.int ? -1 : 1;
  // Same integer part: fraction digits compare as text once the shorter is padded with zeros,
  // which plain string comparison does because "" sorts before any digit.
  if (a.frac === b.frac) return 0;
  return a.frac < b.frac ? -1 : 1;
}
