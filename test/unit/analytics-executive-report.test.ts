import { describe, expect, it } from 'vitest';
import { executiveReportId, executiveStatus } from '../../domain/analytics/executive-report';
import type { RankedRecommendation } from '../../domain/analytics/ranked-recommendations';

const rec = (priority: 1 | 2 | 3, i: number): RankedRecommendation => ({ rank: i + 1, kind: 'sla_at_risk', service: 's', priority, title: 't', detail: 'd' });

describe('executive report id and status', () => {
  it('one id per period and end minute, in ISO basic form (no colons for Message-IDs and file names)', () => {
    const end = Date.UTC(2026, 11, 7, 7, 0, 42);
    expect(executiveReportId('7d', end)).toBe('executive-7d-20261207T0700Z');
    expect(executiveReportId('7d', end + 10_000)).toBe(executiveReportId('7d', end));
    expect(executiveReportId('30d', end)).not.toBe(executiveReportId('7d', end));
    expect(() => executiveReportId('7d', Number.NaN)).toThrow(RangeError);
  });

  // Each case: the recommendations' priorities, and the status they give.
  const cases: Array<{ priorities: Array<1 | 2 | 3>; status: string }> = [
    { priorities: [], status: 'pass' }, // nothing to do
    { priorities: [3, 2], status: 'attention' }, // worth a look
    { priorities: [3, 1], status: 'fail' }, // something needs action now
  ];
  it.each(cases)('priorities $priorities → $status', ({ priorities, status }) => {
    expect(executiveStatus({ recommendations: priorities.map(rec) })).toBe(status);
  });
});
