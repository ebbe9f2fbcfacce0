// The workspace's packages, read from the root package.json's workspaces: one home for
// "which packages do we publish", shared by the install-path test, the docs and the changeset check.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Every workspace package: `{ dir, name, private, exports, bin, ... }` (dir relative to root). */
export function workspacePackages(root) {
  const { workspaces } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const dirs = workspaces.flatMap((glob) => {
    if (!glob.endsWith('/*')) return [glob];
    const parent = glob.slice(0, -2);
    return readdirSync(join(root, parent), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => `${parent}/${d.name}`);
  });
  return dirs
    .filter((dir) => existsSync(join(root, dir, 'package.json')))
    .map((dir) => ({ dir, ...JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) }))
    .sort((a, b) => a.dir.localeCompare(b.dir));
}

/** The packages we publish (not `"private": true`). */
export function publicPackages(root) {
  return workspacePackages(root).filter((p) => p.private !== true);
}
