// The SDK's assignment point: the same number as domain/experiments/assignment.ts's pointFor, from
// WebAssembly's native 64-bit multiply where it can be used (an ASCII unit id of at most 64 KiB,
// and a runtime that allows WebAssembly), else from pointFor itself. One module instance per
// process (per worker thread) serves every experiment: a call copies the id into its memory and
// hashes it synchronously, so calls cannot interleave. bench/results/experiments.md measures both.
import { assignmentPrefix, pointFor } from '../../domain/experiments/assignment';
import { WASM_BASE64 } from './assignment-point.bytes';

interface PointModule {
  bytes: Uint8Array;
  point: (hi: number, lo: number, n: number) => number;
}

/** The part of the WebAssembly API used here (the project's TypeScript libs do not declare it). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: { mem: { buffer: ArrayBuffer }; point: PointModule['point'] } };
}

let loaded: PointModule | null | undefined;

/** The instance, or null where WebAssembly is missing or refused (e.g. node --jitless, a strict CSP). */
function pointModule(): PointModule | null {
  if (loaded !== undefined) return loaded;
  try {
    const binary = Uint8Array.from(atob(WASM_BASE64), (c) => c.charCodeAt(0));
    const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
    if (!wasm) return (loaded = null);
    const { exports } = new wasm.Instance(new wasm.Module(binary));
    loaded = { bytes: new Uint8Array(exports.mem.buffer), point: exports.point };
  } catch {
    loaded = null;
  }
  return loaded;
}

/** Whether fastPointFor uses WebAssembly in this process. */
export function wasmPointAvailable(): boolean {
  return pointModule() !== null;
}

/** pointFor(experiment, salt), hashed in WebAssembly when the id allows; the same points either way. */
export function fastPointFor(experiment: string, salt: string): (unit: string) => number {
  const slow = pointFor(experiment, salt);
  const wasm = pointModule();
  if (!wasm) return slow;
  const { hi, lo } = assignmentPrefix(experiment, salt);
  const { bytes, point } = wasm;
  const room = bytes.length;
  return (unit) => {
    const n = unit.length;
    if (n > room) return slow(unit);
    for (let i = 0; i < n; i++) {
      const c = unit.charCodeAt(i);
      // Beyond ASCII a char is several UTF-8 bytes: pointFor encodes those.
      if (c >= 0x80) return slow(unit);
      bytes[i] = c;
    }
    return point(hi, lo, n);
  };
}
