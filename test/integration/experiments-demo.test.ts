import { describe, expect, it } from 'vitest';
import { spawnVigil } from '../support/processes';

describe('vigil experiments demo', () => {
  // Its own embedded Postgres and Temporal dev server: a minute or two on a loaded 2-core machine.
  it('B improves quality but breaks the p95 guardrail: stopped, incident opened, report posted', { timeout: 300_000 }, async () => {
    const p = spawnVigil(['experiments', 'demo'], { LOG_LEVEL: 'error' });
    const { code } = await p.exited;
    const out = p.output();
    expect(code, out.slice(-3000)).toBe(0);
    for (const line of [
      /required: \d+ units per arm/,
      /cross-encoder: p95_latency is worse by [\d.]+ % .* beyond its 10\.0 % non-inferiority margin/,
      /assignment now returns control for cross-encoder: \["cross-encoder"\]/,
      /incident\/[0-9a-f]{16} \(\w+\): Experiment reranker-v2: variant cross-encoder stopped, p95_latency guardrail breached/,
      /# Experiment reranker-v2 \(search-rag\): stop harm/,
      /\| quality \| primary \|.*\| significant \|/,
      /\| p95_latency \| guardrail \|.*breach \(margin 10\.00 %\)/,
      /report posted to console through the notification ledger/,
    ]) {
      expect(out).toMatch(line);
    }
  });
});
