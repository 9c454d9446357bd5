import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

/** A `vigil` CLI process started by a test, with its output kept for assertions and failure messages. */
export interface VigilProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves when the output matches, rejects if the process exits first or time runs out. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `vigil <args>` (TypeScript through tsx's loader, like bin/vigil) with exactly the given extra environment. */
export function spawnVigil(args: string[], env: NodeJS.ProcessEnv): VigilProcess {
  // Node itself with tsx's loader, not the tsx CLI: that one runs the program in a child process, so
  // a SIGKILL (the crash tests) would kill only the wrapper and leave the real worker running.
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'cli', 'main.ts'), ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const listeners = new Set<() => void>();
  const onData = (d: Buffer) => {
    out += d.toString();
    for (const l of listeners) l();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    output: () => out,
    exited,
    waitFor(pattern, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (pattern.test(out)) {
            cleanup();
            resolve();
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`timed out waiting for ${pattern} in vigil ${args.join(' ')} output:\n${out.slice(-3000)}`));
        }, timeoutMs);
        void exited.then(({ code, signal }) => {
          if (pattern.test(out)) return;
          cleanup();
          reject(new Error(`vigil ${args.join(' ')} exited (${code ?? signal}) before ${pattern}:\n${out.slice(-3000)}`));
        });
        const cleanup = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
  };
}
