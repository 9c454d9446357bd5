import { describe, expect, it } from 'vitest';
import { spawnVigil } from '../support/processes';

describe('npm run demo (vigil demo)', () => {
  // Minutes on a loaded 2-core machine: the incident story, then a month of history to roll up and forecast.
  it('tells the whole story on its own throwaway stack and exits 0', { timeout: 300_000 }, async () => {
    const p = spawnVigil(['demo'], { LOG_LEVEL: 'warn' });
    const { code } = await p.exited;
    const out = p.output();
    expect(code, out.slice(-3000)).toBe(0);
    for (const line of [
      /level 1: Slack message posted/,
      /level 2 fired/,
      /Bolt answered HTTP 200/,
      /acknowledged by alice; Slack message updated in place/,
      /Resolved by alice/,
      /the monitor saw two breaching windows in a row and opened incident\/[0-9a-f]{16}/,
      /the monitor resolved it \(resolved by system\)/,
      /violates GDPR-6-lawful-basis/,
      /the violation opened incident\/[0-9a-f]{16} \(kind compliance\)/,
      // 2 processing events + 4 access changes (the local admin and alice, a key each) + alice resolving by hand
      /Audit chain verified: 7 entries/,
      /report compliance-report-\S+: ATTENTION, posted to slack-incidents/,
      // Executive analytics over the seeded history: real content, forecasts by backtest, a delivered report.
      /\d+ windows, \d+ incidents; \d+ hourly and \d+ daily rollups/,
      /forecast checkout-rag: traffic by holt_winters/,
      /Health score: \d+\.\d \/ 100/,
      /SLA compliance: \d+\.\d\d %/,
      /executive report executive-7d-\d{8}T\d{4}Z: (PASS|ATTENTION|FAIL), posted to slack-incidents/,
      /Demo finished in \d+\.\d s/,
    ]) {
      expect(out).toMatch(line);
    }
  });
});
