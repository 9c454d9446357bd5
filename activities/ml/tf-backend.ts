// Which TensorFlow.js backend the ML detectors train on, chosen once per process:
//   1. `tensorflow` (@tensorflow/tfjs-node, native libtensorflow) when it is installed. It is an
//      optional peer, not a dependency: its install script downloads libtensorflow, which fails
//      without internet. Install it by hand where that works: npm i -E @tensorflow/tfjs-node@4.22.0
//   2. `wasm` (@tensorflow/tfjs-backend-wasm): a dependency whose .wasm binaries ship inside the npm
//      tarball (no download at install), loaded here from node_modules.
//   3. `cpu`, tfjs' pure-JavaScript kernels: always there, about 2.5× slower to train than wasm.
// Until this resolves tfjs uses `cpu`; the detectors work either way, only training speed differs.
//
// Determinism, measured on one machine (Node 20, x64): wasm is bit-for-bit reproducible. In Node it
// runs single-threaded (the package disables its thread pool there), so every sum is taken in the
// same order: three separate processes streaming 2,000 points through the LSTM detector produced
// identical score arrays and identical snapshots (weights included), and the unit test checks the
// same within one process. cpu is reproducible too. The two backends differ from each other in the
// last float32 bits of trained weights (scores ~1e-7 apart), so scores are returned unrounded and a
// snapshot retrains identically only on the backend that wrote it; scoring itself runs in plain
// JavaScript (lstm-cell.ts) and does not depend on the backend. tfjs-node is untested here.
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';

/** A backend name as tfjs reports it (`tf.getBackend()`). */
export type TfBackend = 'tensorflow' | 'wasm' | 'cpu';

/** The part of a pino logger this needs. */
export interface TfBackendLogger {
  info(obj: Record<string, unknown>, msg: string): void;
  warn?(obj: Record<string, unknown>, msg: string): void;
}

const TFJS_NODE = '@tensorflow/tfjs-node';

let chosen: Promise<TfBackend> | null = null;

/**
 * Picks the fastest backend that works (tensorflow, then wasm, then cpu), makes it tfjs' backend and
 * logs the choice; later calls return the same choice without logging again.
 */
export function initTensorflow(logger?: TfBackendLogger): Promise<TfBackend> {
  chosen ??= choose(logger);
  return chosen;
}

async function choose(logger?: TfBackendLogger): Promise<TfBackend> {
  // require, not import(): both packages are CommonJS and must bind to the same @tensorflow/tfjs-core
  // instance as `tf` here, and require resolves the same way under tsx, vitest and plain node.
  const load = createRequire(import.meta.url);
  const skipped: Record<string, string> = {};

  if (resolves(load, TFJS_NODE)) {
    try {
      load(TFJS_NODE);
      if (await tf.setBackend('tensorflow')) return report('tensorflow', skipped, logger);
      skipped.tensorflow = 'installed, but its backend did not initialise';
    } catch (err) {
      skipped.tensorflow = `installed, but failed to load: ${(err as Error).message}`;
    }
    logger?.warn?.({ reason: skipped.tensorflow }, `${TFJS_NODE} is installed but unusable; falling back`);
  } else {
    skipped.tensorflow = `${TFJS_NODE} not installed`;
  }

  try {
    // Loaded here, not at the top: loading it registers `wasm` as tfjs' preferred backend, and an
    // async backend nobody awaited would make every synchronous tfjs call throw.
    const wasm = load('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths(path.join(path.dirname(load.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep);
    if (await tf.setBackend('wasm')) return report('wasm', skipped, logger);
    skipped.wasm = 'the wasm backend did not initialise';
  } catch (err) {
    skipped.wasm = `failed to load: ${(err as Error).message}`;
  }

  if (!(await tf.setBackend('cpu'))) throw new Error('tensorflow: not even the cpu backend initialised');
  return report('cpu', skipped, logger);
}

function resolves(load: NodeJS.Require, name: string): boolean {
  try {
    load.resolve(name);
    return true;
  } catch {
    return false;
  }
}

function report(backend: TfBackend, skipped: Record<string, string>, logger?: TfBackendLogger): TfBackend {
  logger?.info({ backend, skipped, tfjs: tf.version.tfjs }, `tensorflow backend: ${backend}`);
  return backend;
}
