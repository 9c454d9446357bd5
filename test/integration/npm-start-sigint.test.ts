import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../cli/stack/ports';

const ROOT = path.resolve(__dirname, '..', '..');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-npm-start-'));
fs.chmodSync(dataDir, 0o755);
let group = 0;

/** True while any process of the group is alive. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

afterAll(() => {
  if (group && groupAlive(group)) process.kill(-group, 'SIGKILL');
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('npm start', () => {
  it('exits 0 on Ctrl-C and leaves no process behind', async () => {
    const env = {
      ...process.env,
      VIGIL_DATA_DIR: dataDir,
      VIGIL_PG_PORT: String(await freePort()),
      TEMPORAL_PORT: String(await freePort()),
      TEMPORAL_UI_PORT: String(await freePort()),
      VIGIL_API_PORT: String(await freePort()),
    };
    // Its own process group, like a terminal's foreground job: Ctrl-C signals the whole group.
    const child = spawn('npm', ['start'], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    group = child.pid!;
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    for (let waited = 0; !out.includes('Vigil is running'); waited += 200) {
      if (child.exitCode !== null || waited > 90_000) throw new Error(`npm start did not get ready:\n${out.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 200));
    }

    process.kill(-group, 'SIGINT');
    const { code, signal } = await exited;
    expect({ code, signal }, out.slice(-3000)).toEqual({ code: 0, signal: null });
    // Postgres and the Temporal dev server ran in the same group; give them a moment to go.
    for (let i = 0; i < 50 && groupAlive(group); i++) await new Promise((r) => setTimeout(r, 200));
    expect(groupAlive(group)).toBe(false);
  });
});
