import { defineConfig } from 'vitest/config';

// The workflow runs and the package install spawn dozens of `node` and `npm` processes each: they run
// as a second group, after the rest, so they never share the two cores with the tests that start
// a process or read a large file against a time limit.
const PROCESS_HEAVY = ['test/workflows/steps-*.test.ts', 'test/package/**/*.test.ts'];

export default defineConfig({
  test: {
    // Tests start real loopback servers; two cores, so keep the pool small and the timeouts honest.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 20_000,
    hookTimeout: 20_000,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: PROCESS_HEAVY, sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'processes', include: PROCESS_HEAVY, sequence: { groupOrder: 1 } } },
    ],
  },
});
