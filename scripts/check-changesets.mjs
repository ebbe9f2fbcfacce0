#!/usr/bin/env node
// A change to a published package's src/ comes with a changeset. The rule, simple enough for a
// fresh CI clone: take every commit since changesets were last consumed (the last commit whose
// subject says "version packages", as `changeset version` commits are titled; before the first
// release, the commit that added the initial changesets). If a commit touched <package>/src
// (tests excepted), some .changeset/*.md must name that package ("@fido2kit/<name>").
// Uncommitted changes count too, so the check says the same locally as in CI.
//
//   node scripts/check-changesets.mjs
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { publicPackages } from './packages.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function git(...args) {
  const r = spawnSync('git', args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** The commit changesets were last consumed at, or undefined when history has none. */
function baseCommit() {
  const versioned = git(
    'log',
    '-1',
    '--format=%H',
    '-i',
    '--grep=^chore: version packages',
    '--grep=^version packages',
  );
  if (versioned) return { commit: versioned, why: 'the last "version packages" commit' };
  const initial = git('log', '--diff-filter=A', '--format=%H', '--', '.changeset/initial-cose.md')
    ?.split('\n')
    .filter(Boolean)
    .pop();
  if (initial) return { commit: initial, why: 'the commit that added the initial changesets' };
  return undefined;
}

const isSource = (file) => /\/src\//.test(file) && !/\.test(-d)?\.tsx?$/.test(file);

if (git('rev-parse', '--git-dir') === undefined) {
  console.log('changesets: not a git checkout; nothing to compare');
  process.exit(0);
}
const base = baseCommit();
const packages = publicPackages(ROOT);
const ownerOf = (file) => packages.find((p) => file.startsWith(`${p.dir}/src/`));

// commit → files it touched, since the base (the base itself excluded)
const touched = [];
const range = base ? [`${base.commit}..HEAD`] : ['HEAD'];
const log = git('log', '--no-merges', '--name-only', '--format=@%h %s', ...range) ?? '';
let current;
for (const line of log.split('\n')) {
  if (line.startsWith('@')) {
    current = { commit: line.slice(1), files: [] };
    touched.push(current);
  } else if (line && current) current.files.push(line);
}
const uncommitted = (git('status', '--porcelain', '--untracked-files=all') ?? '')
  .split('\n')
  .filter(Boolean)
  .map((l) => l.slice(3).split(' -> ').pop());
if (uncommitted.length) touched.push({ commit: '(uncommitted changes)', files: uncommitted });

const changesetDir = join(ROOT, '.changeset');
const changesets = readdirSync(changesetDir)
  .filter((f) => f.endsWith('.md') && f !== 'README.md')
  .map((f) => readFileSync(join(changesetDir, f), 'utf8'));
const mentioned = (name) =>
  changesets.some((text) => text.includes(`"${name}"`) || text.includes(`'${name}'`));

const missing = new Map();
for (const { commit, files } of touched) {
  for (const file of files.filter(isSource)) {
    const pkg = ownerOf(file);
    if (!pkg || mentioned(pkg.name)) continue;
    const list = missing.get(pkg.name) ?? new Set();
    list.add(commit);
    missing.set(pkg.name, list);
  }
}

const since = base ? `since ${base.commit.slice(0, 10)} (${base.why})` : 'in the whole history';
if (missing.size === 0) {
  console.log(
    `changesets: every package whose src/ changed ${since} has a changeset (${changesets.length} pending)`,
  );
  process.exit(0);
}
console.error(`changesets: src/ changed ${since} with no changeset naming the package:`);
for (const [name, commits] of missing)
  console.error(
    `  ${name}: ${[...commits].slice(0, 5).join('; ')}${commits.size > 5 ? ` (+${commits.size - 5} more)` : ''}`,
  );
console.error(
  'Add one with `npx changeset` (pick the package, the kind of bump, one sentence for the changelog).',
);
process.exit(1);
