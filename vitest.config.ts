import { defineConfig } from 'vitest/config';

// One runner for every workspace: unit tests beside the code, integration tests against the real
// Postgres on 127.0.0.1:5432 (each test file makes and drops its own database).
export default defineConfig({
  test: {
    include: [
      'packages/*/src/**/*.test.ts',
      'apps/server/src/**/*.test.ts',
      'apps/server/test/**/*.test.ts',
      // Web component and hook tests pick happy-dom per file (`// @vitest-environment happy-dom`).
      'apps/web/src/**/*.test.{ts,tsx}',
    ],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
    reporters: ['default'],
  },
});
