// The Temporal dev server picks its internal ports itself and can panic when one is taken between
// its check and its bind (several stacks starting at once, as npm test's lanes do): a start that
// exits early is tried again, a server that never starts still fails with its log.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../cli/stack/ports';
import { findTemporalBinary } from '../../cli/stack/temporal-binary';
import { logTail, startTemporalDevServer } from '../../cli/stack/temporal-dev-server';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-devstart-'));
const saved = process.env.TEMPORAL_CLI_PATH;
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  if (saved === undefined) delete process.env.TEMPORAL_CLI_PATH;
  else process.env.TEMPORAL_CLI_PATH = saved;
});

/** A stand-in binary that panics as the server does for its first `failures` starts, then runs the real one. */
function flakyBinary(failures: number): { path: string; starts: () => number } {
  const real = findTemporalBinary('temporal')!.path;
  const count = path.join(dir, `count-${failures}`);
  const file = path.join(dir, `temporal-${failures}.sh`);
  fs.writeFileSync(
    file,
    `#!/bin/sh\nn=$(cat '${count}' 2>/dev/null || echo 0); n=$((n+1)); echo $n > '${count}'\n` +
      `if [ $n -le ${failures} ]; then echo 'panic: listen tcp 127.0.0.1:0: bind: address already in use' >&2; exit 2; fi\n` +
      `exec '${real}' "$@"\n`,
    { mode: 0o755 },
  );
  return { path: file, starts: () => Number(fs.readFileSync(count, 'utf8')) };
}

describe('Temporal dev server start', () => {
  it('starts again when the server exits while starting, and answers', async () => {
    const bin = flakyBinary(1);
    process.env.TEMPORAL_CLI_PATH = bin.path;
    const server = await startTemporalDevServer({ port: await freePort(), uiPort: null, namespace: 'default', logFile: path.join(dir, 'once.log') });
    await server.stop();
    expect(bin.starts()).toBe(2);
  });

  it('gives up after three exits, with the log tail in the error', async () => {
    const bin = flakyBinary(99);
    process.env.TEMPORAL_CLI_PATH = bin.path;
    const start = freePort().then((port) => startTemporalDevServer({ port, uiPort: null, namespace: 'default', logFile: path.join(dir, 'never.log') }));
    await expect(start).rejects.toThrow(/exited with 2[\s\S]*address already in use/);
    // A real panic is followed by a long goroutine dump: its first line is kept above the tail.
    expect(logTail(['x', 'panic: the reason', ...Array.from({ length: 40 }, (_, i) => `frame ${i}`)].join('\n'))).toMatch(/^panic: the reason\n[\s\S]*…\nframe 20\n[\s\S]*frame 39$/);
    expect(bin.starts()).toBe(3);
  });
});
