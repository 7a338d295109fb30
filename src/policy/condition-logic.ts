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

/** True when the atoms together hold for every deal: one is always true, or score tests span 0..100. */
export function coversEveryDeal(atoms: readonly Atom[]): boolean {
  if (atoms.some((a) => a.kind === 'always')) return true;
  // Scores are whole numbers from 0 to 100 (points are integers, the sum is clamped).
  return atomCovered({ kind: 'range', subject: SCORE, from: 0, below: 101 }, atoms.map(widenScore));
}

/** A score test [from, below) holds for the same whole scores as [ceil(from), ceil(below)). */
function widenScore(atom: Atom): Atom {
  return atom.kind === 'range' && atom.subject === SCORE ? { ...atom, from: Math.ceil(atom.from), below: Math.ceil(atom.below) } : atom;
}

/** True when every deal that satisfies `c` satisfies at least one of `earlier`. */
export function isCovered(c: Condition, earlier: readonly Atom[]): boolean {
  if (earlier.some((a) => a.kind === 'always')) return true;
  const atom = toAtom(c);
  if (atom) return atom.kind !== 'always' && atomCovered(atom, earlier);
  if ('all' in c) return c.all.some((child) => isCovered(child, earlier));
  if ('any' in c) return c.any.every((child) => isCovered(child, earlier));
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

function atomCovered(atom: Exclude<Atom, { kind: 'always' }>, earlier: readonly Atom[]): boolean {
  const same = earlier.filter((e) => e.kind !== 'always' && e.subject === atom.subject);
  // A value test only holds when the property has a value.
  if (atom.kind !== 'exists' && atom.subject !== SCORE && same.some((e) => e.kind === 'exists')) return true;
  if (atom.kind === 'values') {
    const known = new Set(same.flatMap((e) => (e.kind === 'values' ? e.values : [])));
    return atom.values.every((v) => known.has(v));
  }
  if (atom.kind === 'range') {
    const ranges = same.flatMap((e) => (e.kind === 'range' ? [e] : [])).sort((a, b) => a.from - b.from);
    // Sweep: walk from the atom's lower bound, extending through each range that contains the cursor.
    let cursor = atom.from;
    for (const r of ranges) {
      if (cursor >= atom.below) break;
      if (r.from <= cursor && r.below > cursor) cursor = r.below;
    }
    return cursor >= atom.below;
  }
  return false;
}
