import type { Client } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../app/config-file';
import { EXECUTIVE_REPORT_SCHEDULE, ensureSchedules } from '../../app/schedules';
import { VigilError } from '../../domain/errors';

const NO_ENV: NodeJS.ProcessEnv = {};
const CHANNELS = { console: { type: 'console' }, ops: { type: 'slack', channel: 'C0123' }, pager: { type: 'pagerduty' } };

function configError(run: () => unknown): VigilError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(VigilError);
    return err as VigilError;
  }
  throw new Error('expected a config_invalid error, got a config');
}

/** The Schedules ensureSchedules would create, recorded by a fake client (no server needed to read the options). */
async function created(raw: object): Promise<Array<{ scheduleId: string; spec: unknown; action: { args: unknown[] } }>> {
  const out: Array<{ scheduleId: string; spec: unknown; action: { args: unknown[] } }> = [];
  const client = { schedule: { create: async (opts: (typeof out)[number]) => void out.push(opts) } } as unknown as Client;
  await ensureSchedules(client, parseConfig(raw, 'test', NO_ENV));
  return out;
}

describe('analytics.reports', () => {
  it('defaults: Monday 08:00 UTC, 7 days, no channel — and no Schedule until a channel is set', async () => {
    expect(parseConfig({}, 'test', NO_ENV).analytics.reports).toEqual({ enabled: true, channels: [], dayOfWeek: 'MONDAY', hour: 8, timeZone: 'UTC', period: '7d' });
    expect((await created({})).map((s) => s.scheduleId)).not.toContain(EXECUTIVE_REPORT_SCHEDULE);
  });

  it('with channels: a calendar Schedule in the configured zone', async () => {
    const s = (await created({ channels: CHANNELS, analytics: { reports: { channels: ['ops'], dayOfWeek: 'FRIDAY', hour: 17, timeZone: 'America/New_York' } } })).find((x) => x.scheduleId === EXECUTIVE_REPORT_SCHEDULE)!;
    expect(s.spec).toEqual({ calendars: [{ dayOfWeek: 'FRIDAY', hour: 17, minute: 0, comment: 'weekly executive report, FRIDAY 17:00 America/New_York' }], timezone: 'America/New_York' });
    expect(s.action.args).toEqual([{}]);
  });

  const cases: Array<{ name: string; reports: object; path: string; says: RegExp }> = [
    // A typo in a channel name names the list index and what exists.
    { name: 'unknown channel', reports: { channels: ['opps'] }, path: 'analytics.reports.channels.0', says: /"opps" is not a configured channel \(known: console, ops, pager\)/ },
    // PagerDuty pages people; a report is not an incident.
    { name: 'pagerduty channel', reports: { channels: ['pager'] }, path: 'analytics.reports.channels.0', says: /PagerDuty channel/ },
    { name: 'unknown time zone', reports: { timeZone: 'Mars/Olympus' }, path: 'analytics.reports.timeZone', says: /"Mars\/Olympus" is not an IANA time zone/ },
    { name: 'hour out of range', reports: { hour: 24 }, path: 'analytics.reports.hour', says: /./ },
    { name: 'bad day', reports: { dayOfWeek: 'MON' }, path: 'analytics.reports.dayOfWeek', says: /./ },
    { name: 'bad period', reports: { period: '2w' }, path: 'analytics.reports.period', says: /period must be one of 24h, 7d, 30d, 90d/ },
    // Strict: a misspelt key is an error, not silently a default.
    { name: 'unknown key', reports: { chanels: ['ops'] }, path: 'analytics.reports', says: /"chanels"/ },
  ];
  it.each(cases)('$name → $path', ({ reports, path: fieldPath, says }) => {
    const err = configError(() => parseConfig({ channels: CHANNELS, analytics: { reports } }, 'vigil.config.yaml', NO_ENV));
    const line = (err.details!.issues as string[]).find((l) => l.startsWith(`${fieldPath}: `));
    expect(line, err.message).toBeDefined();
    expect(line).toMatch(says);
  });
});
