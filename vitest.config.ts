import { defineConfig } from 'vitest/config';

// Tests run the TypeScript sources directly: the `d2s-source` export condition
// points each workspace package at its src/index.ts, so no build is needed first.
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
