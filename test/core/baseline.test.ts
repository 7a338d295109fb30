import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BASELINE_COUNT, BASELINE_PATH, computeBaseline, type Baseline } from './support/baseline.js';

describe('the decision baseline', () => {
  const committed = JSON.parse(readFileSync(BASELINE_PATH, 'utf8')) as Baseline;
  const current = computeBaseline();

  it('covers 2,000 generated deals through both example policies', () => {
    expect(committed.count).toBe(BASELINE_COUNT);
    expect(committed.decisions).toHaveLength(BASELINE_COUNT * 2);
  });

  it('is unchanged: run `npm run baseline:update` only for an intended change, and review the diff', () => {
    expect(current.policies).toEqual(committed.policies);
    const changed = current.decisions.flatMap((line, i) => (line === committed.decisions[i] ? [] : [`- ${committed.decisions[i]}\n+ ${line}`]));
    expect(changed.slice(0, 20).join('\n'), `${changed.length} decisions changed`).toBe('');
    expect(current.decisions).toHaveLength(committed.decisions.length);
  });
});
