import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { VIGIL_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { portIsFree } from './ports';
import { findTemporalBinary, missingBinaryHelp } from './temporal-binary';

export interface DevServerOptions {
  port: number;
  /** Web UI port; null runs headless. */
  uiPort: number | null;
  namespace: string;
  /** SQLite file for persistence; undefined keeps everything in memory. */
  dbFile?: string;
  logFile?: string;
  /** Extra `--dynamic-config-value` settings, e.g. a lower continue-as-new threshold in tests. */
  dynamicConfig?: Record<string, string | number | boolean>;
  readyTimeoutMs?: number;
}

export interface DevServer {
  address: string;
  uiUrl: string | null;
  source: string;
  stop(): Promise<void>;
}

// Update and update-with-start are on by default in the bundled server; set anyway for older CLIs.
const BASE_DYNAMIC_CONFIG: Record<string, boolean> = {
  'frontend.enableUpdateWorkflowExecution': true,
  'frontend.enableUpdateWorkflowExecutionAsyncAccepted': true,
  'frontend.enableExecuteMultiOperation': true,
};

function args(o: DevServerOptions): string[] {
  const a = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(o.port), '--namespace', o.namespace, '--log-level', 'warn'];
  a.push(...(o.uiPort === null ? ['--headless'] : ['--ui-port', String(o.uiPort)]));
  if (o.dbFile) a.push('--db-filename', o.dbFile);
  for (const k of VIGIL_SEARCH_ATTRIBUTES) a.push('--search-attribute', `${k.name}=Keyword`);
  for (const [k, v] of Object.entries({ ...BASE_DYNAMIC_CONFIG, ...o.dynamicConfig })) {
    a.push('--dynamic-config-value', `${k}=${JSON.stringify(v)}`);
  }
  return a;
}

async function waitReady(address: string, child: ChildProcess, timeoutMs: number, logTail: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited: string | null = null;
  child.once('exit', (code, signal) => (exited = `exited with ${code ?? signal}`));
  // A binary that cannot be run (EACCES, ENOENT) is an 'error' event, not an exit: without this
  // listener it would crash the process with an unhandled error instead of this message.
  let failed: string | null = null;
  child.once('error', (err) => (failed = err.message));
  for (;;) {
    if (failed) {
      throw new Error(`Temporal dev server could not be started (${failed}): check that the binary is executable by this user, point TEMPORAL_CLI_PATH at a working temporal binary, or set TEMPORAL_ADDRESS to use a running Temporal.`);
    }
    if (exited) throw new Error(`Temporal dev server ${exited}:\n${logTail()}`);
    try {
      const conn = await Connection.connect({ address, connectTimeout: 1000 });
      await conn.workflowService.getSystemInfo({});
      await conn.close();
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`Temporal dev server not ready on ${address} after ${timeoutMs} ms:\n${logTail()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** The log's last 20 lines, after the last panic's first lines when it panicked (its goroutine dump buries the reason). */
export function logTail(text: string): string {
  const lines = text.split('\n');
  const last = lines.slice(-20);
  let panic = lines.length - 1;
  while (panic >= 0 && !lines[panic]!.startsWith('panic:')) panic--;
  if (panic < 0 || panic >= lines.length - 20) return last.join('\n');
  return [...lines.slice(panic, panic + 6), '…', ...last].join('\n');
}

/** Starts tried when the server exits before it answers (see startTemporalDevServer). */
const START_ATTEMPTS = 3;

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * Starts `temporal server start-dev` from the binary lookup (env var, PATH, provisioned), or, when
 * none exists, the SDK's own download (machines with internet). Waits until it answers gRPC.
 */
export async function startTemporalDevServer(o: DevServerOptions): Promise<DevServer> {
  const address = `127.0.0.1:${o.port}`;
  for (const [what, port] of [['gRPC', o.port], ['Web UI', o.uiPort]] as const) {
    if (port !== null && !(await portIsFree(port))) {
      throw new Error(`port ${port} (Temporal ${what}) is in use: is another \`vigil dev\` running? Stop it or pick other ports (TEMPORAL_PORT, TEMPORAL_UI_PORT).`);
    }
  }
  const bin = findTemporalBinary('temporal');
  if (!bin) return startWithSdkDownload(o);
  if (o.dbFile) fs.mkdirSync(path.dirname(o.dbFile), { recursive: true });
  const logPath = o.logFile;
  if (logPath) fs.mkdirSync(path.dirname(logPath), { recursive: true });
  const tail = () => (logPath && fs.existsSync(logPath) ? logTail(fs.readFileSync(logPath, 'utf8')) : '(no log)');
  let child: ChildProcess;
  for (let attempt = 1; ; attempt++) {
    const log = logPath ? fs.openSync(logPath, 'a') : 'ignore';
    child = spawn(bin.path, args(o), { stdio: ['ignore', log, log] });
    try {
      await waitReady(address, child, o.readyTimeoutMs ?? 60_000, tail);
      break;
    } catch (err) {
      await stopChild(child);
      // The server picks its internal ports (HTTP, history, matching, worker) itself and panics when
      // one is taken between its check and its bind, which happens when several stacks start at
      // once (npm test's lanes): an exit while starting is worth another try; a timeout is not.
      const exitedEarly = child.exitCode !== null && /exited with/.test(String(err));
      if (!exitedEarly || attempt >= START_ATTEMPTS) throw err;
      process.stderr.write(`Temporal dev server exited while starting (attempt ${attempt} of ${START_ATTEMPTS}); starting it again\n`);
    } finally {
      if (typeof log === 'number') fs.closeSync(log);
    }
  }
  return {
    address,
    uiUrl: o.uiPort === null ? null : `http://localhost:${o.uiPort}`,
    source: `${bin.path} (${bin.source})`,
    stop: () => stopChild(child),
  };
}

async function startWithSdkDownload(o: DevServerOptions): Promise<DevServer> {
  try {
    const env = await TestWorkflowEnvironment.createLocal({
      server: {
        ip: '127.0.0.1',
        port: o.port,
        namespace: o.namespace,
        ...(o.uiPort === null ? {} : { uiPort: o.uiPort }),
        ...(o.dbFile ? { dbFilename: o.dbFile } : {}),
        searchAttributes: VIGIL_SEARCH_ATTRIBUTES,
      },
    });
    return {
      address: `127.0.0.1:${o.port}`,
      uiUrl: o.uiPort === null ? null : `http://localhost:${o.uiPort}`,
      source: 'SDK download',
      stop: () => env.teardown(),
    };
  } catch (err) {
    throw new Error(`${missingBinaryHelp('temporal')} (The SDK download failed too: ${(err as Error).message})`);
  }
}
