// `npm run baseline:update`: regenerates the decision baseline on purpose, after a reviewed change.
import { writeFileSync } from 'node:fs';
import { BASELINE_PATH, computeBaseline, renderBaseline } from '../test/core/support/baseline.js';

const baseline = computeBaseline();
writeFileSync(BASELINE_PATH, renderBaseline(baseline));
console.log(`wrote ${baseline.decisions.length} decisions to ${BASELINE_PATH}`);
