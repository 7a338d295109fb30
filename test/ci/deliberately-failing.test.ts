// Run only by .ci/run (CI_PROVE_FAILURE=1): proves that a failing test makes the run exit non-zero,
// even with the embedded Postgres started by the global setup (its exit hook once turned failures into 0).
import { expect, it } from 'vitest';

it('fails on purpose', () => {
  expect(1 + 1).toBe(3);
});
