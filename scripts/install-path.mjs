#!/usr/bin/env node
// The user's install path, as CI runs it: `npm pack` every public package, lint each tarball
// (publint --strict, are-the-types-wrong), install the tarballs into a fresh project outside the
// workspace (dependencies from the real registry), then in that project, under the workspace's
// Node and under Node 22 and 24:
//   - an ESM script enrols a virtual key and signs in (ctap2 + virtual-authenticator + rp), over
//     a simulated USB key too (transport-hid), and lists HID keys (node-hid's native binding loads);
//   - `tsc --noEmit` of a file importing every entry point, under moduleResolution node16 and bundler;
//   - the key manager's bin: `npx fido2kit-keys --help`, `list`, `info` on a virtual key.
// Packages must be built first (`npx turbo run build`). Writes a vitest-shaped report
// (.vitest-results-install.json) for scripts/summary.mjs, and the packed sizes to stdout.
//
//   node scripts/install-path.mjs [--keep] [--no-other-nodes]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { installNode, NODE_VERSIONS } from './node-versions.mjs';
import { publicPackages } from './packages.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const KEEP = process.argv.includes('--keep');
const OTHER_NODES = !process.argv.includes('--no-other-nodes');

const results = [];
function check(name, fn) {
  const started = Date.now();
  try {
    const detail = fn();
    results.push({ name, ok: true });
    console.log(`  ✓ ${name}${detail ? ` — ${detail}` : ''} (${Date.now() - started} ms)`);
  } catch (e) {
    results.push({ name, ok: false, error: e.message });
    console.log(`  ✗ ${name}\n${indent(e.message)}`);
  }
}
const indent = (s) => String(s).replace(/^/gm, '      ');

/** Runs a command without blocking; resolves with its exit code and output. */
function run(command, args, options = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, options);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs the async `jobs`, at most `limit` at once; results in order. */
async function inParallel(jobs, limit) {
  const results = [];
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]();
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return results;
}

/** Runs a command; throws with its output when it fails. */
function sh(command, args, options = {}) {
  const r = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...options });
  if (r.status !== 0)
    throw new Error(
      `${command} ${args.join(' ')} exited ${r.status ?? r.signal}\n${(r.stdout ?? '').slice(-4000)}${(r.stderr ?? '').slice(-4000)}`,
    );
  return r.stdout;
}

// ------------------------------------------------------------------------------------------------

const TSCONFIG_COMMON = {
  target: 'es2022',
  strict: true,
  noEmit: true,
  skipLibCheck: false,
  types: ['node'],
};
const TSCONFIGS = {
  node16: { module: 'node16', moduleResolution: 'node16' },
  bundler: { module: 'preserve', moduleResolution: 'bundler' },
};

const SMOKE = `// A user's first program: enrol a security key and sign in with it.
import { WebAuthnClient } from '@fido2kit/ctap2';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@fido2kit/rp';
import { HidTransport, listHidAuthenticators } from '@fido2kit/transport-hid';
import { SimulatedHidDevice } from '@fido2kit/transport-hid/testing';
import { VirtualAuthenticator } from '@fido2kit/virtual-authenticator';

const rpID = 'example.com';
const origin = 'https://example.com';
const key = new VirtualAuthenticator({ pin: '123456' });
const client = new WebAuthnClient({ device: key.device(), origin, onPinRequired: () => '123456' });

const regOptions = generateRegistrationOptions({
  rpName: 'Example',
  rpID,
  user: { name: 'alice@example.com', displayName: 'Alice' },
  authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
});
const reg = await verifyRegistrationResponse({
  response: await client.create(regOptions),
  expectedChallenge: regOptions.challenge,
  expectedOrigin: origin,
  expectedRPID: rpID,
});

async function signIn(device) {
  const c = new WebAuthnClient({ device, origin, onPinRequired: () => '123456' });
  const options = generateAuthenticationOptions({ rpID, userVerification: 'required' });
  return verifyAuthenticationResponse({
    response: await c.get(options),
    expectedChallenge: options.challenge,
    expectedOrigin: origin,
    expectedRPID: rpID,
    credential: reg.credential,
  });
}
const auth = await signIn(key.device());
const hid = await HidTransport.open(new SimulatedHidDevice(key).connection());
const overHid = await signIn(hid);
await hid.close();
console.log(
  JSON.stringify({
    node: process.version,
    credentialId: reg.credential.id,
    userVerified: auth.userVerified,
    newCounter: auth.newCounter,
    hidSignIn: overHid.credentialId,
    hidKeys: (await listHidAuthenticators()).length,
  }),
);
`;

const packages = publicPackages(ROOT);
const work = mkdtempSync(join(tmpdir(), 'fido2kit-install-'));
const tarballs = join(work, 'tarballs');
const project = join(work, 'project');
mkdirSync(tarballs);
mkdirSync(project);
console.log(`install path in ${work}`);

// 1. pack
const packed = [];
for (const pkg of packages) {
  const [info] = JSON.parse(
    sh('npm', ['pack', '--json', '--loglevel=error', '--pack-destination', tarballs, '-w', pkg.dir], {
      cwd: ROOT,
    }),
  );
  packed.push({ ...pkg, file: join(tarballs, info.filename), info });
}
console.log('\npacked sizes (tarball / unpacked / files):');
for (const p of packed)
  console.log(
    `  ${p.name.padEnd(34)} ${kb(p.info.size).padStart(9)} ${kb(p.info.unpackedSize).padStart(9)} ${String(p.info.entryCount).padStart(4)}`,
  );

// 2. lint every tarball
console.log('\ntarballs:');
const license = readFileSync(join(ROOT, 'LICENSE'), 'utf8');
const publint = join(ROOT, 'node_modules', 'publint', 'src', 'cli.js');
const attw = join(ROOT, 'node_modules', '@arethetypeswrong', 'cli', 'dist', 'index.js');
for (const p of packed) {
  check(`${p.name}: LICENSE, README.md and dist in the tarball`, () => {
    const files = p.info.files.map((f) => f.path);
    for (const f of ['LICENSE', 'README.md', 'package.json'])
      if (!files.includes(f)) throw new Error(`${f} missing from ${files.join(', ')}`);
    if (!files.some((f) => f.startsWith('dist/'))) throw new Error('no dist/ in the tarball: build first');
    if (readFileSync(join(ROOT, p.dir, 'LICENSE'), 'utf8') !== license)
      throw new Error(`${p.dir}/LICENSE differs from the root LICENSE`);
  });
  check(`${p.name}: publint --strict`, () => {
    const out = sh(process.execPath, [publint, 'run', p.file, '--strict'], { cwd: work });
    return out.trim().split('\n').pop();
  });
}
// ESM only, by design (noble v2 is ESM-only; require(esm) works from Node 20.19): the esm-only
// profile leaves out the CommonJS resolution modes, every other problem is an error. Two at a
// time: attw spends most of its time in TypeScript.
const attwRuns = packed.map((p) => async () => {
  const started = Date.now();
  const r = await run(
    process.execPath,
    [attw, p.file, '--profile', 'esm-only', '--format', 'table-flipped'],
    {
      cwd: work,
    },
  );
  return { name: `${p.name}: are-the-types-wrong (esm-only)`, r, ms: Date.now() - started };
});
for (const { name, r, ms } of await inParallel(attwRuns, 2)) {
  check(name, () => {
    if (r.code !== 0) throw new Error(`${r.stdout}${r.stderr}`);
    return `no problems, ${ms} ms`;
  });
}

// 3. install into a fresh project outside the workspace
const specs = Object.fromEntries(packed.map((p) => [p.name, `file:${p.file}`]));
writeFileSync(
  join(project, 'package.json'),
  `${JSON.stringify(
    {
      name: 'fido2kit-install-path',
      private: true,
      type: 'module',
      dependencies: specs,
      // the tarballs' own @fido2kit dependencies resolve to the tarballs, never to the registry
      overrides: specs,
    },
    null,
    2,
  )}\n`,
);
console.log('\nfresh project:');
check('npm install of every tarball, dependencies from the registry', () => {
  sh(
    'npm',
    [
      'install',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
      'typescript@5.9.3',
      '@types/node@^22',
    ],
    { cwd: project },
  );
  const lock = JSON.parse(readFileSync(join(project, 'package-lock.json'), 'utf8'));
  const fromRegistry = Object.values(lock.packages).filter(
    (e) => e.integrity && !String(e.resolved ?? '').startsWith('file:'),
  ).length;
  for (const p of packed) {
    const e = lock.packages[`node_modules/${p.name}`];
    if (!e?.resolved?.startsWith('file:')) throw new Error(`${p.name} did not come from its tarball`);
  }
  return `${fromRegistry} packages from the registry`;
});

writeFileSync(join(project, 'smoke.mjs'), SMOKE);
const entryPoints = packed.flatMap((p) =>
  Object.keys(p.exports ?? {})
    .filter((k) => k !== './package.json')
    .map((k) => (k === '.' ? p.name : `${p.name}/${k.slice(2)}`)),
);
writeFileSync(
  join(project, 'types.ts'),
  `// Every public entry point, as a user's TypeScript project imports it.\n${entryPoints
    .map((e, i) => `import * as m${i} from '${e}';`)
    .join('\n')}\nexport const modules = [${entryPoints.map((_, i) => `m${i}`).join(', ')}];\n`,
);
for (const [name, compilerOptions] of Object.entries(TSCONFIGS))
  writeFileSync(
    join(project, `tsconfig.${name}.json`),
    `${JSON.stringify({ compilerOptions: { ...TSCONFIG_COMMON, ...compilerOptions }, files: ['types.ts'] }, null, 2)}\n`,
  );

const nodes = [{ label: `Node ${process.version}`, bin: process.execPath }];
if (OTHER_NODES)
  for (const major of Object.keys(NODE_VERSIONS))
    nodes.push({ label: `Node v${NODE_VERSIONS[major]}`, bin: installNode(major) });
const tsc = join(project, 'node_modules', 'typescript', 'bin', 'tsc');
const keys = packed.find((p) => p.bin && 'fido2kit-keys' in p.bin);

for (const node of nodes) {
  console.log(`\n${node.label}:`);
  const env = { ...process.env, PATH: `${dirname(node.bin)}:${process.env.PATH}` };
  check(
    `${node.label}: enrol and sign in (ctap2 + virtual-authenticator + rp, in memory and over CTAPHID)`,
    () => {
      const out = JSON.parse(sh(node.bin, ['smoke.mjs'], { cwd: project, env }).trim());
      if (out.node !== node.label.replace('Node ', '')) throw new Error(`ran on ${out.node}`);
      if (!out.userVerified || out.newCounter < 1 || out.hidSignIn !== out.credentialId)
        throw new Error(JSON.stringify(out));
      return `signed in, counter ${out.newCounter}, ${out.hidKeys} HID keys attached`;
    },
  );
  // The shipped .d.ts files are checked in full (skipLibCheck off) once, under node16; TypeScript's
  // answers do not depend on the Node running it, so the other runs resolve every entry point only.
  for (const name of Object.keys(TSCONFIGS)) {
    const libCheck = node.bin === process.execPath && name === 'node16';
    check(
      `${node.label}: tsc --noEmit, every entry point (${entryPoints.length}), moduleResolution ${name}${libCheck ? ', .d.ts checked' : ''}`,
      () => {
        sh(node.bin, [tsc, '-p', `tsconfig.${name}.json`, ...(libCheck ? [] : ['--skipLibCheck'])], {
          cwd: project,
          env,
        });
      },
    );
  }
  if (keys) {
    const npx = (...args) => sh('npx', ['--no-install', 'fido2kit-keys', ...args], { cwd: project, env });
    check(`${node.label}: npx fido2kit-keys --help`, () => {
      const out = npx('--help');
      if (!/fido2kit-keys/.test(out) || !/fingerprints/.test(out)) throw new Error(out);
    });
    check(`${node.label}: npx fido2kit-keys list --json`, () => {
      const lines = npx('list', '--json')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      if (!lines.some((l) => l.step === 'list')) throw new Error(JSON.stringify(lines));
    });
    check(`${node.label}: npx fido2kit-keys info on a virtual key`, () => {
      const file = join(work, `key-${node.label.replace(/\W+/g, '')}.json`);
      const out = npx('info', '--virtual', file, '--json');
      const info = out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
        .find((l) => l.step === 'info');
      if (!info || !existsSync(file)) throw new Error(out);
    });
  }
}

const failed = results.filter((r) => !r.ok);
writeFileSync(
  join(ROOT, '.vitest-results-install.json'),
  `${JSON.stringify({
    numPassedTests: results.length - failed.length,
    numFailedTests: failed.length,
    numPendingTests: 0,
    numTodoTests: 0,
    success: failed.length === 0,
    results,
  })}\n`,
);
console.log(`\ninstall path: ${results.length - failed.length} passed, ${failed.length} failed`);
if (!KEEP) rmSync(work, { recursive: true, force: true });
process.exit(failed.length > 0 ? 1 : 0);

function kb(n) {
  return `${(n / 1024).toFixed(1)} kB`;
}
