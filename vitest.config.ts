import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // CI_PROVE_FAILURE runs only the deliberately failing file, so .ci/run can check the exit code.
    include: process.env.CI_PROVE_FAILURE ? ['test/ci/**/*.test.ts'] : ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    exclude: process.env.CI_PROVE_FAILURE ? ['**/node_modules/**'] : ['test/ci/**', '**/node_modules/**'],
    globalSetup: ['test/support/global-setup.ts'],
    setupFiles: ['test/support/one-query-per-connection.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 20_000,
    hookTimeout: 60_000,
  },
});
