// Static reasoning over route conditions, for the checks that can be decided without a deal:
// "always true", "never true", and "every deal this matches is already taken by earlier routes".
// It is sound but incomplete: when it cannot decide, it says nothing.
import type { Condition } from './schema.js';

/** A single test that `implies` reasons about: a numeric interval [from, below) or a set of values. */
export type Atom =
  | { kind: 'always' }
  | { kind: 'range'; subject: string; from: number; below: number }
  | { kind: 'values'; subject: string; values: readonly string[] }
  | { kind: 'exists'; subject: string };

const SCORE = '\u0000score';

export function isAlwaysTrue(c: Condition): boolean {
  if ('always' in c) return true;
  if ('all' in c) return c.all.every(isAlwaysTrue);
  if ('any' in c) return c.any.some(isAlwaysTrue);
  if ('not' in c) return isNeverTrue(c.not);
  if ('score' in c) return (c.score.from ?? 0) <= 0 && (c.score.below ?? Infinity) > 100;
  return false;
}

export function isNeverTrue(c: Condition): boolean {
  if ('always' in c) return false;
  if ('all' in c) return c.all.some(isNeverTrue);
  if ('any' in c) return c.any.every(isNeverTrue);
  if ('not' in c) return isAlwaysTrue(c.not);
  if ('score' in c) {
    const from = Math.max(c.score.from ?? 0, 0);
    const below = Math.min(c.score.below ?? Infinity, Infinity);
    return from > 100 || below <= 0 || from >= below;
  }
  if (c.from !== undefined || c.below !== undefined) return (c.from ?? -Infinity) >= (c.below ?? Infinity);
  return false;
}

/** Atoms any one of which is enough for `c` to hold. */
export function sufficientAtoms(c: Condition): Atom[] {
  if (isAlwaysTrue(c)) return [{ kind: 'always' }];
  const atom = toAtom(c);
  if (atom) return [atom];
  if ('any' in c) return c.any.flatMap(sufficientAtoms);
  if ('all' in c) {
    const open = c.all.filter((child) => !isAlwaysTrue(child));
    return open.length === 1 ? sufficientAtoms(open[0]!) : [];
  }
  return [];
}

/**
 * What the earlier routes already take, indexed by subject so that each new test is checked against them in
 * about its own size (a set lookup per value, a binary search per range) rather than against every earlier test.
 */
export interface Taken {
  always: boolean;
  subjects: Map<string, SubjectTaken>;
  /** Score tests as the whole scores they hold: [ceil(from), ceil(below)). */
  wholeScores: Interval[];
}

interface SubjectTaken {
  exists: boolean;
  values: Set<string>;
  /** Sorted, disjoint and not touching: [0, 10) and [10, 20) are kept as [0, 20). */
  ranges: Interval[];
}

interface Interval {
  from: number;
  below: number;
}

export function createTaken(): Taken {
  return { always: false, subjects: new Map(), wholeScores: [] };
}

export function take(taken: Taken, atoms: readonly Atom[]): void {
  for (const atom of atoms) {
    if (atom.kind === 'always') {
      taken.always = true;
      continue;
    }
    let subject = taken.subjects.get(atom.subject);
    if (subject === undefined) {
      subject = { exists: false, values: new Set(), ranges: [] };
      taken.subjects.set(atom.subject, subject);
    }
    if (atom.kind === 'exists') subject.exists = true;
    else if (atom.kind === 'values') for (const value of atom.values) subject.values.add(value);
    else {
      addInterval(subject.ranges, atom.from, atom.below);
      // Scores are whole numbers from 0 to 100 (points are integers, the sum is clamped).
      if (atom.subject === SCORE) addInterval(taken.wholeScores, Math.ceil(atom.from), Math.ceil(atom.below));
    }
  }
}

/** True when what is taken holds for every deal: an always-true test, or score tests that span 0..100. */
export function coversEveryDeal(taken: Taken): boolean {
  return taken.always || intervalCovers(taken.wholeScores, 0, 101);
}

/** True when every deal that satisfies `c` satisfies something already taken. */
export function isCovered(c: Condition, taken: Taken): boolean {
  if (taken.always) return true;
  const atom = toAtom(c);
  if (atom) return atom.kind !== 'always' && atomCovered(atom, taken);
  if ('all' in c) return c.all.some((child) => isCovered(child, taken));
  if ('any' in c) return c.any.every((child) => isCovered(child, taken));
  return false;
}

function toAtom(c: Condition): Atom | null {
  if ('always' in c) return { kind: 'always' };
  if ('score' in c) return { kind: 'range', subject: SCORE, from: Math.max(c.score.from ?? 0, 0), below: c.score.below ?? Infinity };
  if (!('property' in c)) return null;
  if (c.from !== undefined || c.below !== undefined) return { kind: 'range', subject: c.property, from: c.from ?? -Infinity, below: c.below ?? Infinity };
  if (c.equals !== undefined) return { kind: 'values', subject: c.property, values: [c.equals] };
  if (c.in !== undefined) return { kind: 'values', subject: c.property, values: c.in };
  return c.exists === true ? { kind: 'exists', subject: c.property } : null;
}

function atomCovered(atom: Exclude<Atom, { kind: 'always' }>, taken: Taken): boolean {
  const same = taken.subjects.get(atom.subject);
  if (same === undefined) return atom.kind === 'range' && atom.from >= atom.below;
  // A value test only holds when the property has a value.
  if (atom.kind !== 'exists' && atom.subject !== SCORE && same.exists) return true;
  if (atom.kind === 'values') return atom.values.every((v) => same.values.has(v));
  if (atom.kind === 'range') return intervalCovers(same.ranges, atom.from, atom.below);
  return false;
}

/** Adds [from, below) to sorted, disjoint intervals, merging it with those it overlaps or touches. */
function addInterval(intervals: Interval[], from: number, below: number): void {
  if (!(from < below)) return;
  // The first interval that ends at or after `from` is the first one it can merge with.
  let lo = 0;
  let hi = intervals.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (intervals[mid]!.below < from) lo = mid + 1;
    else hi = mid;
  }
  let end = lo;
  let merged: Interval = { from, below };
  while (end < intervals.length && intervals[end]!.from <= merged.below) {
    const next = intervals[end]!;
    merged = { from: Math.min(merged.from, next.from), below: Math.max(merged.below, next.below) };
    end++;
  }
  intervals.splice(lo, end - lo, merged);
}

/** True when the intervals hold all of [from, below) (an empty range is held by anything). */
function intervalCovers(intervals: readonly Interval[], from: number, below: number): boolean {
  if (from >= below) return true;
  // The last interval that starts at or before `from`: only it can hold `from`.
  let lo = 0;
  let hi = intervals.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (intervals[mid]!.from <= from) lo = mid + 1;
    else hi = mid;
  }
  const holder = intervals[lo - 1];
  return holder !== undefined && holder.below >= below;
}
