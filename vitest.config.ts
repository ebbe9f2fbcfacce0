import { defineConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript sources through the "@fido2kit/source" export
// condition, so a test run needs no build.
export default defineConfig({
  resolve: { conditions: ['@fido2kit/source'] },
  ssr: { resolve: { conditions: ['@fido2kit/source'] } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**', '**/*.slow.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
