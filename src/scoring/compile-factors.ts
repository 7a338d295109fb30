// Turns the policy's scoring factors into one closure, built once per policy so that scoring a deal
// allocates only its explanation.
import { compareToThreshold, compileThreshold, isDecimal, type Threshold } from '../decimal.js';
import { readProperty, type Deal } from '../deal.js';
import type { Factor } from '../policy/schema.js';
import type { FactorTrace, ScoreResult } from './types.js';

type FactorScorer = (deal: Deal) => FactorTrace;

export type DealScorer = (deal: Deal) => ScoreResult;

export function compileFactors(factors: readonly Factor[]): DealScorer {
  const scorers = factors.map(compileFactor);
  return (deal) => {
    const traces: FactorTrace[] = new Array<FactorTrace>(scorers.length);
    let total = 0;
    for (let i = 0; i < scorers.length; i++) {
      const trace = scorers[i]!(deal);
      traces[i] = trace;
      total += trace.points;
    }
    return { score: total < 0 ? 0 : total > 100 ? 100 : total, total, factors: traces };
  };
}

function compileFactor(factor: Factor): FactorScorer {
  const { id, property } = factor;
  if (factor.values !== undefined) {
    const points = new Map(Object.entries(factor.values));
    return (deal) => {
      const value = readProperty(deal, property);
      if (value === null) return { id, property, value, status: 'missing', band: null, points: 0 };
      const hit = points.get(value);
      return hit === undefined
        ? { id, property, value, status: 'not_listed', band: null, points: 0 }
        : { id, property, value, status: 'scored', band: null, points: hit };
    };
  }
  // Highest `from` first, so the first band at or below the value is the one that scores.
  const bands: { from: number; threshold: Threshold; points: number }[] = (factor.bands ?? [])
    .map((b) => ({ from: b.from, threshold: compileThreshold(b.from), points: b.points }))
    .sort((a, b) => b.from - a.from);
  return (deal) => {
    const value = readProperty(deal, property);
    if (value === null) return { id, property, value, status: 'missing', band: null, points: 0 };
    if (!isDecimal(value)) return { id, property, value, status: 'unparsable', band: null, points: 0 };
    for (const band of bands) {
      if (compareToThreshold(value, band.threshold) >= 0) {
        return { id, property, value, status: 'scored', band: band.from, points: band.points };
      }
    }
    return { id, property, value, status: 'below_bands', band: null, points: 0 };
  };
}
