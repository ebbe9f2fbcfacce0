// Creates a package skeleton under packages/<name> with the house layout.
// Usage: node scripts/new-package.mjs <name> "<description>" <portable|node> [--testing] [dep@range ...]
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';

const [name, description, kind, ...rest] = process.argv.slice(2);
if (!name || !description || !['portable', 'node'].includes(kind)) {
  console.error(
    'usage: node scripts/new-package.mjs <name> "<description>" <portable|node> [--testing] [dep@range ...]',
  );
  process.exit(2);
}
const testing = rest.includes('--testing');
const deps = Object.fromEntries(
  rest
    .filter((d) => d !== '--testing')
    .map((d) => {
      const at = d.lastIndexOf('@');
      return at > 0 ? [d.slice(0, at), d.slice(at + 1)] : [d, '*'];
    }),
);
const dir = `packages/${name}`;
if (existsSync(`${dir}/package.json`)) {
  console.error(`${dir} exists`);
  process.exit(1);
}
mkdirSync(`${dir}/src`, { recursive: true });
mkdirSync(`${dir}/test`, { recursive: true });
const entry = (file) => ({
  '@fido2kit/source': `./src/${file}.ts`,
  types: `./dist/${file}.d.ts`,
  default: `./dist/${file}.js`,
});
const pkg = {
  name: `@fido2kit/${name}`,
  version: '0.1.0',
  description,
  type: 'module',
  license: 'MIT',
  sideEffects: false,
  engines: { node: '>=20.19' },
  exports: {
    '.': entry('index'),
    ...(testing ? { './testing': entry('testing') } : {}),
    './package.json': './package.json',
  },
  types: './dist/index.d.ts',
  files: ['dist', 'README.md'],
  keywords: ['fido2', 'webauthn', 'ctap2'],
  scripts: {
    build: 'tsup',
    typecheck: 'tsc -p tsconfig.json --noEmit && tsc -p tsconfig.test.json --noEmit',
    publint: 'publint --strict',
  },
  dependencies: deps,
};
writeFileSync(`${dir}/package.json`, `${JSON.stringify(pkg, null, 2)}\n`);
const types = kind === 'node' ? '["node"]' : '[]';
writeFileSync(
  `${dir}/tsconfig.json`,
  `{\n  "extends": "../../tsconfig.base.json",\n  "compilerOptions": { "types": ${types}, "outDir": "dist" },\n  "include": ["src"],\n  "exclude": ["src/**/*.test.ts"]\n}\n`,
);
writeFileSync(
  `${dir}/tsconfig.test.json`,
  `{\n  "extends": "../../tsconfig.base.json",\n  "compilerOptions": { "types": ["node"], "noEmit": true },\n  "include": ["src", "test"]\n}\n`,
);
const entries = testing ? `['src/index.ts', 'src/testing.ts']` : `['src/index.ts']`;
writeFileSync(
  `${dir}/tsup.config.ts`,
  `import { defineConfig } from 'tsup';\n\nexport default defineConfig({\n  entry: ${entries},\n  format: ['esm'],\n  dts: { compilerOptions: { customConditions: [] } },\n  sourcemap: true,\n  clean: true,\n  target: 'es2022',\n  platform: '${kind === 'node' ? 'node' : 'neutral'}',\n  tsconfig: 'tsconfig.json',\n});\n`,
);
console.log(`created ${dir}`);
