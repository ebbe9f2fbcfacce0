import { defineConfig } from 'tsup';

/** Where a package's bundle runs: `neutral` for the portable packages, `node` for the transports. */
export type PackagePlatform = 'neutral' | 'node';

/**
 * The one tsup configuration every `@fido2kit/*` package builds with: ESM only, ES2022,
 * declarations built without the `@fido2kit/source` condition (so they point at the
 * published `dist` of sibling packages), source maps, a clean `dist`.
 *
 * @param platform - `neutral` (portable, no `node:` imports) or `node`.
 * @param entry - entry files relative to the package directory; `src/index.ts` by default.
 * @returns the configuration for the package's `tsup.config.ts` to export as default.
 */
export function packageConfig(platform: PackagePlatform, entry: string[] = ['src/index.ts']) {
  return defineConfig({
    entry,
    format: ['esm'],
    dts: { compilerOptions: { customConditions: [] } },
    sourcemap: true,
    clean: true,
    target: 'es2022',
    platform,
    tsconfig: 'tsconfig.json',
  });
}
