import { defineConfig } from 'vitest/config';

// Node parses every certificate in NODE_EXTRA_CA_CERTS before it runs any JavaScript (50-100 ms of CPU
// per process where it is set); no test uses TLS, and the suite starts hundreds of node processes
// (a fork per test file, the CLI tests' children), which inherit this environment.
delete process.env.NODE_EXTRA_CA_CERTS;

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
