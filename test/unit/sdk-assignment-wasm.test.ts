// The SDK hashes unit ids in WebAssembly (sdk/wasm/assignment-point.ts): its points must be exactly
// pointFor's, the cross-language contract, for every id, including the ids it hands back to
// pointFor (non-ASCII, longer than its memory), and the shipped bytes must be the .wat's.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createRng } from '../../domain/anomaly/rng';
import { pointFor } from '../../domain/experiments/assignment';
import { WASM_BASE64 } from '../../sdk/wasm/assignment-point.bytes';
import { fastPointFor, wasmPointAvailable } from '../../sdk/wasm/assignment-point';
import { zipfIds } from '../support/zipf';

describe('assignment point in WebAssembly', () => {
  it('is used under Node', () => {
    expect(wasmPointAvailable()).toBe(true);
  });

  it('ships the bytes its .wat compiles to (run `npm run build:wasm` after editing it)', async () => {
    const { compileWat } = await import('../../scripts/build-wasm.mjs');
    const bytes = await compileWat('sdk/wasm/assignment-point.wat');
    expect(bytes.toString('base64')).toBe(WASM_BASE64);
    expect(readFileSync('sdk/wasm/assignment-point.wat', 'utf8')).toContain('0x100000001b3');
  });

  it('equals pointFor on 100,000 Zipf ids and 20,000 random ASCII ids (NUL and control bytes included)', () => {
    const rng = createRng(11);
    const random = Array.from({ length: 20_000 }, () => String.fromCharCode(...Array.from({ length: rng.int(80) }, () => rng.int(128))));
    const ids = [...zipfIds(100_000, 50_000, 0.8, 3), ...random, ''];
    for (const [experiment, salt] of [['reranker-v2', 's1'], ['e', ''], ['prompt é', 'ß']] as const) {
      const fast = fastPointFor(experiment, salt);
      const slow = pointFor(experiment, salt);
      let differ = 0;
      for (const u of ids) if (fast(u) !== slow(u)) differ++;
      expect(differ).toBe(0);
    }
  });

  it('hands ids it cannot hash to pointFor: non-ASCII, and longer than its 64 KiB memory', () => {
    const fast = fastPointFor('e', 's');
    const slow = pointFor('e', 's');
    const long = 'u'.repeat(65_536);
    for (const u of ['é', 'user-ü-1', '日本語', 'x\u{1F600}y', 'lone\ud800', 'ascii-then-\u00ff', long, `${long}x`, `${'v'.repeat(200_000)}`]) {
      expect(fast(u)).toBe(slow(u));
    }
  });

  it('keeps experiments apart although they share one module memory (calls interleaved)', () => {
    const a = fastPointFor('a', 's');
    const b = fastPointFor('b', 's');
    const pa = pointFor('a', 's');
    const pb = pointFor('b', 's');
    for (let i = 0; i < 1000; i++) {
      const long = `user-${i}-${'x'.repeat(i % 50)}`;
      const short = `u${i}`;
      expect([a(long), b(short), a(short), b(long)]).toEqual([pa(long), pb(short), pa(short), pb(long)]);
    }
  });
});
