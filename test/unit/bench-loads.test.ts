import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.join(__dirname, '..', '..');

/**
 * `npm run bench` loads every benchmark module before it looks at BENCH_ONLY, so one bad import
 * (e.g. a test helper that pulls in vitest) breaks every benchmark; nothing else would notice.
 */
describe('npm run bench', () => {
  it('loads all its modules and names the valid BENCH_ONLY values on a bad one', () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), path.join(ROOT, 'bench', 'run.ts')], {
      cwd: ROOT,
      env: { ...process.env, BENCH_ONLY: 'no-such-bench' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.stderr).toContain('BENCH_ONLY must be one of');
    expect(r.stderr).toContain('"incidents"');
    expect(r.status).not.toBe(0);
  });
});
