#!/usr/bin/env node
// `npm test`: every vitest project, in two lanes that run side by side. Most integration time is
// spent waiting (timers, Slack's 1/s, child processes), so on 2 cores two stacks at once finish in
// about half the wall time of one. Each lane is its own vitest process with its own Temporal dev
// server and Postgres, and runs its files one at a time, as the integration projects require.
// `npm test -- <vitest args>` runs vitest itself with those arguments; VIGIL_TEST_LANES=1 runs the
// lanes one after the other.
import { spawn } from 'node:child_process';
import os from 'node:os';
import process from 'node:process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const vitest = path.join(root, 'node_modules', 'vitest', 'vitest.mjs');

/** Lanes of jobs, balanced by measured time (integration ≈ slow + unit + workflows − browser). */
const LANES = [
  [['integration'], ['browser']],
  [['slow'], ['unit', 'workflows']],
];

// ANSI colour codes, stripped from what is repeated in the summary.
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;
/** Lines kept per failed job for the summary: each FAIL, × or Unhandled Error line and the lines after it. */
const FAILURE_LINES = 80;
const AFTER_FAIL = 12;

/** Collects a job's failing tests and their first error lines, so the summary at the end names them. */
function failureCollector() {
  const kept = [];
  let follow = 0;
  return {
    line(raw) {
      const line = raw.replace(ANSI, '');
      // A failed test, or vitest's banner for an error outside any test (a global setup that failed).
      if (/^\s*(FAIL\b|×)|Unhandled (Error|Rejection)/.test(line)) follow = AFTER_FAIL + 1;
      if (follow > 0 && kept.length < FAILURE_LINES) {
        follow--;
        if (line.trim() !== '') kept.push(line);
      }
    },
    kept,
  };
}

function run(args, label) {
  return new Promise((resolve) => {
    const started = Date.now();
    const failures = failureCollector();
    const child = spawn(process.execPath, [vitest, 'run', ...args], { cwd: root, stdio: label ? ['ignore', 'pipe', 'pipe'] : 'inherit' });
    if (label) {
      // Line by line, each prefixed, so two lanes' output stays readable when interleaved.
      for (const stream of [child.stdout, child.stderr]) {
        let rest = '';
        stream.setEncoding('utf8');
        stream.on('data', (chunk) => {
          const lines = (rest + chunk).split('\n');
          rest = lines.pop();
          for (const line of lines) {
            failures.line(line);
            process.stdout.write(`[${label}] ${line}\n`);
          }
        });
        stream.on('end', () => {
          if (!rest) return;
          failures.line(rest);
          process.stdout.write(`[${label}] ${rest}\n`);
        });
      }
    }
    child.on('close', (code, signal) => resolve({ label, code: code ?? 1, signal, seconds: Math.round((Date.now() - started) / 1000), failures: failures.kept }));
  });
}

async function lane(jobs) {
  const results = [];
  for (const projects of jobs) {
    const label = projects.join('+');
    const r = await run(projects.flatMap((p) => ['--project', p]), label);
    results.push(r);
    process.stdout.write(`== ${label}: ${r.code === 0 ? 'passed' : `FAILED (exit ${r.code}${r.signal ? `, ${r.signal}` : ''})`} in ${r.seconds} s\n`);
  }
  return results;
}

const extra = process.argv.slice(2);
if (extra.length > 0) {
  const r = await run(extra, '');
  process.exit(r.code);
}

const started = Date.now();
const sequential = process.env.VIGIL_TEST_LANES === '1' || os.availableParallelism() < 2;
const results = sequential ? await lane(LANES.flat()) : (await Promise.all(LANES.map(lane))).flat();
const failed = results.filter((r) => r.code !== 0);
process.stdout.write(`\n== npm test: ${results.length - failed.length}/${results.length} jobs passed in ${Math.round((Date.now() - started) / 1000)} s (${results.map((r) => `${r.label} ${r.seconds} s`).join(', ')})\n`);
if (failed.length > 0) {
  // Repeated here, at the end: a CI log is often read from its tail.
  for (const r of failed) {
    process.stdout.write(`\n== what failed in ${r.label}${r.failures.length ? '' : ': no FAIL line was printed (a crash or timeout? see its output above)'}\n`);
    for (const line of r.failures) process.stdout.write(`[${r.label}] ${line}\n`);
  }
  process.stderr.write(`npm test FAILED: ${failed.map((r) => r.label).join(', ')} — search the output above for "[${failed[0].label}]" and "FAIL"\n`);
  process.exit(1);
}
