import type { Client } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../app/config-file';
import { COMPLIANCE_AUDIT_SCHEDULE, ensureSchedules } from '../../app/schedules';
import { COMPLIANCE_REPORTS_DEFAULTS } from '../../domain/compliance/report-config';
import { VigilError } from '../../domain/errors';

const H = 3_600_000;
const D = 24 * H;
// Every call passes its own env, so the developer's shell cannot leak in.
const NO_ENV: NodeJS.ProcessEnv = {};
const CHANNELS = {
  console: { type: 'console' },
  ops: { type: 'slack', channel: 'C0123' },
  auditors: { type: 'email', to: ['audit@example.com'] },
  pager: { type: 'pagerduty' },
};

function configError(run: () => unknown): VigilError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(VigilError);
    expect((err as VigilError).code).toBe('config_invalid');
    return err as VigilError;
  }
  throw new Error('expected a config_invalid error, got a config');
}

/** The Schedule options ensureSchedules would create, recorded by a fake client. */
async function scheduleArgs(raw: object): Promise<unknown[]> {
  const created: Array<{ scheduleId: string; action: { args: unknown[] } }> = [];
  const client = { schedule: { create: async (opts: (typeof created)[number]) => void created.push(opts) } } as unknown as Client;
  await ensureSchedules(client, parseConfig(raw, 'test', NO_ENV));
  return created.find((c) => c.scheduleId === COMPLIANCE_AUDIT_SCHEDULE)?.action.args ?? [];
}

describe('compliance.reports defaults', () => {
  it('makes a daily report at 06:00 UTC, to no channel, covering one interval', () => {
    const reports = parseConfig({}, 'test', NO_ENV).compliance.reports;
    expect(reports).toEqual({ enabled: true, every: D, offset: 6 * H, channels: [], catchupWindow: 7 * D, accessWindow: H, accessFactor: 5 });
    expect(reports.period).toBeUndefined();
    expect(COMPLIANCE_REPORTS_DEFAULTS).toEqual(reports);
  });

  it('schedules a report covering `every` when no period is set, and `period` when it is', async () => {
    expect(await scheduleArgs({})).toEqual([{ periodMs: D, trigger: 'schedule' }]);
    expect(await scheduleArgs({ compliance: { reports: { every: '7d', offset: '30m' } } })).toEqual([{ periodMs: 7 * D, trigger: 'schedule' }]);
    expect(await scheduleArgs({ compliance: { reports: { period: '2d' } } })).toEqual([{ periodMs: 2 * D, trigger: 'schedule' }]);
  });

  it('creates no compliance Schedule when disabled', async () => {
    expect(await scheduleArgs({ compliance: { reports: { enabled: false } } })).toEqual([]);
  });

  it('reads durations and channels that exist and can carry a report', () => {
    const reports = parseConfig({ channels: CHANNELS, compliance: { reports: { every: '1h', offset: '15m', period: '2h', channels: ['auditors', 'ops', 'console'], accessFactor: 3 } } }, 'test', NO_ENV).compliance.reports;
    expect(reports).toMatchObject({ every: H, offset: 15 * 60_000, period: 2 * H, channels: ['auditors', 'ops', 'console'], accessFactor: 3 });
  });
});

describe('compliance.reports errors', () => {
  const cases: Array<{ name: string; reports: object; path: string; says: RegExp }> = [
    // A typo in a channel name: the path pins the list index, the message lists what exists.
    { name: 'unknown channel', reports: { channels: ['audtors'] }, path: 'compliance.reports.channels.0', says: /^compliance\.reports\.channels\.0: "audtors" is not a configured channel \(known: console, ops, auditors, pager\)$/ },
    // PagerDuty pages people; a report is not an incident.
    { name: 'pagerduty channel', reports: { channels: ['console', 'pager'] }, path: 'compliance.reports.channels.1', says: /"pager" is a PagerDuty channel, which pages people and cannot carry a report; use email, slack, teams, webhook or console/ },
    // The offset places the run inside each interval, so it must be shorter than it.
    { name: 'offset equal to every', reports: { every: '1h', offset: '1h' }, path: 'compliance.reports.offset', says: /offset must be shorter than every/ },
    { name: 'offset longer than the default day', reports: { offset: '25h' }, path: 'compliance.reports.offset', says: /offset must be shorter than every/ },
    // Strict: a misspelt key is an error, not silently a default.
    { name: 'unknown key', reports: { evry: '1d' }, path: 'compliance.reports', says: /"evry"/ },
    // Durations are checked like everywhere else.
    { name: 'bad duration', reports: { every: 'daily' }, path: 'compliance.reports.every', says: /"daily" is not a duration/ },
    // The factor must be positive.
    { name: 'zero access factor', reports: { accessFactor: 0 }, path: 'compliance.reports.accessFactor', says: /./ },
  ];
  it.each(cases)('$name → $path', ({ reports, path: fieldPath, says }) => {
    const err = configError(() => parseConfig({ channels: CHANNELS, compliance: { reports } }, 'vigil.config.yaml', NO_ENV));
    const issues = err.details!.issues as string[];
    const line = issues.find((l) => l.startsWith(`${fieldPath}: `));
    expect(line, err.message).toBeDefined();
    expect(line).toMatch(says);
  });

  it('lists the known channels from the default config too', () => {
    const err = configError(() => parseConfig({ compliance: { reports: { channels: ['email'] } } }, 'test', NO_ENV));
    expect(err.details!.issues).toEqual(['compliance.reports.channels.0: "email" is not a configured channel (known: console)']);
  });
});
