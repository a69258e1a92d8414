import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/globalSetup.ts'],
    setupFiles: ['test/setup.ts'],
    // Real servers and real timers: generous ceilings, never timing assertions.
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: 'forks',
  },
});
