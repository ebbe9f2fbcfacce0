import { defineConfig } from 'tsup';

// One executable file: the manager's sources and the examples' shared helpers
// (@fido2kit/example-common, private to this repository) bundled; the published @fido2kit
// packages and their dependencies stay imports, installed from the registry.
export default defineConfig({
  entry: { 'fido2kit-keys': 'src/main.ts' },
  format: ['esm'],
  platform: 'node',
  target: 'node20',
  noExternal: ['@fido2kit/example-common'],
  banner: { js: '#!/usr/bin/env node' },
  removeNodeProtocol: false,
  sourcemap: true,
  clean: true,
  dts: false,
  tsconfig: 'tsconfig.json',
});
