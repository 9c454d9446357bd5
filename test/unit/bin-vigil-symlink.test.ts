import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '..', '..');
const BIN = path.join(ROOT, 'bin', 'vigil');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-bin-'));

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Runs `<file> --help` from the temp dir, the way a shell runs a command found on PATH. */
function help(file: string): { status: number | null; out: string } {
  const r = spawnSync(file, ['--help'], { cwd: tmp, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

// npx, `npm exec`, `npm link` and global installs all reach bin/vigil through symlinks.
describe('bin/vigil through a symlink', () => {
  const cases: { name: string; link: () => string }[] = [
    // An absolute link in some other folder.
    {
      name: 'absolute link',
      link: () => {
        const at = path.join(tmp, 'abs', 'vigil');
        fs.mkdirSync(path.dirname(at), { recursive: true });
        fs.symlinkSync(BIN, at);
        return at;
      },
    },
    // npm's layout: node_modules/.bin/vigil -> ../vigil/bin/vigil, node_modules/vigil -> the package.
    {
      name: 'node_modules/.bin/vigil, as npm link / npx install it',
      link: () => {
        const modules = path.join(tmp, 'project', 'node_modules');
        fs.mkdirSync(path.join(modules, '.bin'), { recursive: true });
        fs.symlinkSync(ROOT, path.join(modules, 'vigil'));
        const at = path.join(modules, '.bin', 'vigil');
        fs.symlinkSync(path.join('..', 'vigil', 'bin', 'vigil'), at);
        return at;
      },
    },
    // A link to a link (a global bin dir pointing into a linked package).
    {
      name: 'chain of relative and absolute links',
      link: () => {
        const dir = path.join(tmp, 'chain');
        fs.mkdirSync(dir, { recursive: true });
        fs.symlinkSync(BIN, path.join(dir, 'real'));
        fs.symlinkSync('real', path.join(dir, 'vigil'));
        return path.join(dir, 'vigil');
      },
    },
  ];

  it.each(cases)('$name runs --help and exits 0', ({ link }) => {
    const { status, out } = help(link());
    expect(out).toContain('Usage: vigil');
    expect(status, out).toBe(0);
  }, 60_000);
});
