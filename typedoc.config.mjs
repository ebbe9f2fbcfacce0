// The API reference: `npm run docs` builds a TypeDoc site of every public library package's entry
// points (`.` and `./testing`) into docs/api/ (not committed). Validation is strict: an export that
// is undocumented, a type the docs need but a package does not export, or a broken {@link} fails.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { publicPackages } from './scripts/packages.mjs';

const root = import.meta.dirname;
// Libraries only: a package with entry points in its exports map (the key manager is a CLI).
const libraries = publicPackages(root).filter(
  (p) => p.exports && existsSync(join(root, p.dir, 'src', 'index.ts')),
);

/** @type {Partial<import('typedoc').TypeDocOptions>} */
export default {
  name: 'fido2kit',
  entryPointStrategy: 'packages',
  entryPoints: libraries.map((p) => p.dir),
  // Per package: its entry points and any types it mentions but does not export yet come from
  // the package's typedoc.json (entryPoints defaults to src/index.ts).
  packageOptions: {
    entryPoints: ['src/index.ts'],
    excludePrivate: true,
    // the package READMEs link into docs/api/ themselves; the reference does not copy them
    readme: 'none',
    disableGit: true,
    sourceLinkTemplate: 'https://github.com/fido2kit/fido2kit/blob/main/{path}#L{line}',
    excludeInternal: true,
    // validation runs per package, as each is converted
    validation: { notExported: true, invalidLink: true, notDocumented: true, rewrittenLink: true },
    // Every exported declaration, function, method, accessor and constant must be documented.
    // Interface and class properties are not required yet: 943 of them (mostly CTAP and
    // WebAuthn member names) still lack their own sentence; add Property here once they have one.
    requiredToBeDocumented: [
      'Enum',
      'EnumMember',
      'Variable',
      'Function',
      'Class',
      'Interface',
      'Method',
      'Accessor',
      'TypeAlias',
    ],
  },
  out: 'docs/api',
  readme: 'none',
  validation: { notExported: true, invalidLink: true, notDocumented: true, rewrittenLink: true },
  treatWarningsAsErrors: true,
  treatValidationWarningsAsErrors: true,
  sourceLinkTemplate: 'https://github.com/fido2kit/fido2kit/blob/main/{path}#L{line}',
  gitRevision: 'main',
  // a CI clone has no usable remote: the links come from sourceLinkTemplate alone
  disableGit: true,
};
