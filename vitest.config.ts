import { defineConfig } from 'vitest/config';

// In-process tests run the TypeScript sources directly: the `d2s-source` export condition
// points each workspace package at its src/index.ts. Process tests spawn the services from
// dist, so the global setup builds the workspace once (tsc -b) before any test runs.
// Only our own condition: adding 'import' or 'module' makes externals such as snowflake-sdk's AWS
// dependencies resolve to ESM builds that Node cannot load.
const conditions = ['d2s-source'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    environment: 'node',
    globalSetup: ['packages/testkit/src/global-setup.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: process.env.CI ? ['default'] : ['default'],
  },
});
