import { describe, expect, it } from 'vitest';
import { configSchema } from '../../domain/config';
import { ageSeconds, assessHealth, HEALTH_DEFAULTS, type HealthReadings } from '../../domain/health/assess';
import { projectionChangeTime } from '../../domain/health/projection-change';

const limits = { maxProjectionLag: 300_000, maxActivityFailing: 300_000 };
const healthy: HealthReadings = { postgres: true, temporal: true, projection: { lagSeconds: 0, failures: 0 }, activities: [] };

describe('assessHealth', () => {
  it('is ok when everything answers and nothing is behind or failing for long', () => {
    const failingBriefly = [{ type: 'deliverNotification', count: 2, oldestSeconds: 12, lastError: 'HTTP 503' }];
    expect(assessHealth({ ...healthy, projection: { lagSeconds: 299, failures: 1 }, activities: failingBriefly }, limits)).toEqual({ ok: true, problems: [] });
  });

  it('names the projection when Postgres is too far behind', () => {
    const v = assessHealth({ ...healthy, projection: { lagSeconds: 301.4, failures: 1 } }, limits);
    expect(v.ok).toBe(false);
    expect(v.problems).toEqual(['projection: Postgres is 301 s behind the workflows (limit 300 s)']);
  });

  it('names each activity type failing for too long, with its last error', () => {
    const v = assessHealth({ ...healthy, activities: [{ type: 'sendQueued', count: 1, oldestSeconds: 400, lastError: 'HTTP 500' }, { type: 'planDelivery', count: 1, oldestSeconds: 5, lastError: 'x' }] }, limits);
    expect(v.problems).toEqual(['activities: sendQueued failing for 400 s (limit 300 s): HTTP 500']);
  });

  it('never trips a check whose limit is 0', () => {
    const v = assessHealth({ ...healthy, projection: { lagSeconds: 1e6, failures: 1 }, activities: [{ type: 't', count: 1, oldestSeconds: 1e6, lastError: '' }] }, { maxProjectionLag: 0, maxActivityFailing: 0 });
    expect(v.ok).toBe(true);
  });

  it('names Postgres and Temporal when down, and unreadable health tables', () => {
    expect(assessHealth({ postgres: false, temporal: false, projection: null, activities: null }, limits).problems).toEqual(['postgres: no answer', 'temporal: no answer']);
    expect(assessHealth({ ...healthy, projection: null }, limits).problems).toEqual(['postgres: health queries gave no answer']);
  });
});

describe('ageSeconds', () => {
  it('is 0 with nothing pending and never negative under clock skew', () => {
    expect(ageSeconds(10_000, null)).toBe(0);
    expect(ageSeconds(10_000, 10_050)).toBe(0);
    expect(ageSeconds(10_000, 7_500)).toBe(2.5);
  });
});

describe('projectionChangeTime', () => {
  it("is the oldest new entry's time, or the fallback when a projection carries none", () => {
    expect(projectionChangeTime([{ at: 30 }, { at: 10 }, { at: 20 }], 99)).toBe(10);
    expect(projectionChangeTime([], 99)).toBe(99);
    expect(projectionChangeTime([{ at: Number.NaN }], 99)).toBe(99);
  });
});

describe('config health:', () => {
  it('defaults to the documented limits and takes durations', () => {
    expect(configSchema.parse({}).health).toEqual(HEALTH_DEFAULTS);
    expect(configSchema.parse({ health: { maxProjectionLag: '1m', maxActivityFailing: 0 } }).health).toEqual({ ...HEALTH_DEFAULTS, maxProjectionLag: 60_000, maxActivityFailing: 0 });
    expect(() => configSchema.parse({ health: { maxLag: '1m' } })).toThrow();
  });
});
