import { defineConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript sources through the "@fido2kit/source" export
// condition, so a test run needs no build.
const PCSC = ['packages/transport-nfc/test/pcsc.test.ts', '**/test/**/*.pcsc.test.ts'];

export default defineConfig({
  resolve: { conditions: ['@fido2kit/source'] },
  ssr: { resolve: { conditions: ['@fido2kit/source'] } },
  test: {
    exclude: ['**/node_modules/**', '**/dist/**', '**/*.slow.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: [
            'packages/*/src/**/*.test.ts',
            'packages/*/test/**/*.test.ts',
            'examples/*/test/**/*.test.ts',
          ],
          exclude: ['**/node_modules/**', '**/dist/**', '**/*.slow.test.ts', ...PCSC],
        },
      },
      {
        // Files that drive pcscd and the vpcd readers share two reader slots: one file at a time.
        extends: true,
        test: { name: 'pcsc', include: PCSC, fileParallelism: false },
      },
    ],
  },
});
