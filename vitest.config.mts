import { defineConfig } from 'vitest/config';

// Integration tests share one PostgreSQL server (DATABASE_URL, or an embedded one the global setup starts);
// each test file gets its own database cloned from a migrated template, so files never see each other's rows.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
