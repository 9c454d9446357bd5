import { describe, expect, it } from 'vitest';
import { spawnVigil } from '../support/processes';

describe('npm run demo (vigil demo)', () => {
  it('tells the whole story on its own throwaway stack and exits 0', async () => {
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
      /Demo finished in \d+\.\d s/,
    ]) {
      expect(out).toMatch(line);
    }
  });
});
