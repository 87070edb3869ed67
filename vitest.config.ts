import { defineConfig } from 'vitest/config';

// Tests run the TypeScript sources directly: the `d2s-source` export condition
// points each workspace package at its src/index.ts, so no build is needed first.
const conditions = ['d2s-source', 'node', 'import', 'module', 'default'];

export default defineConfig({
  resolve: { conditions },
  // Only inlined (workspace) modules use these; externals keep Node's own conditions so CommonJS
  // dependencies such as snowflake-sdk load their CommonJS builds.
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
