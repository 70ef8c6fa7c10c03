import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // Suites start their own worker threads; running files in parallel on 2 host cores only adds noise.
    fileParallelism: false,
    pool: 'forks',
  },
});
