import type { Command } from 'commander';
import { DateTime } from 'luxon';
import { VigilError } from '../../domain/errors';
import { onCallTimeline, whoIsOnCall, type Schedule } from '../../domain/oncall';
import type { CliContext } from '../context';

const MAX_DAYS = 366;

function scheduleNamed(ctx: CliContext, name: string): Schedule {
  const schedules = ctx.config.schedules;
  const schedule = Object.hasOwn(schedules, name) ? schedules[name] : undefined;
  if (schedule) return schedule;
  const known = Object.keys(schedules);
  throw new VigilError(
    'invalid_input',
    `--schedule: no schedule named "${name}" in ${ctx.configSource} (${known.length ? `known: ${known.join(', ')}` : 'no schedules are configured'})`,
  );
}

/** Reads an ISO time; without an offset it is wall-clock time in the schedule's zone, which is what people on call think in. */
function instantOption(option: string, text: string | undefined, zone: string): number {
  if (text === undefined) return Date.now();
  const dt = DateTime.fromISO(text, { zone });
  if (!dt.isValid) throw new VigilError('invalid_input', `${option}: "${text}" is not an ISO time (e.g. 2024-03-31T09:00 in the schedule's zone, or 2024-03-31T07:00Z)`);
  return dt.toMillis();
}

function inZone(at: number, zone: string): string {
  return DateTime.fromMillis(at, { zone }).toISO({ suppressMilliseconds: true, suppressSeconds: true })!;
}

function columns(rows: string[][]): string {
  const width = (i: number) => Math.max(...rows.map((r) => r[i]!.length));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(width(i)))).join('  ')).join('\n');
}

/** `vigil oncall who|shifts`: read-only questions about the configured schedules (no database or Temporal needed). */
export function registerOncallCommands(program: Command, ctx: () => CliContext): void {
  const oncall = program.command('oncall').description('who is on call, and the upcoming shifts of a schedule');

  oncall
    .command('who')
    .description('who is on call now (or at --at)')
    .requiredOption('--schedule <name>', 'a schedule from the config')
    .option('--at <time>', 'ISO time; without an offset, local time in the schedule\'s zone')
    .action((o: { schedule: string; at?: string }) => {
      const schedule = scheduleNamed(ctx(), o.schedule);
      const zone = schedule.timezone;
      const answer = whoIsOnCall(schedule, instantOption('--at', o.at, zone));
      if (!answer) return console.log('nobody is on call');
      const until = answer.until === null ? 'with no change scheduled' : `until ${inZone(answer.until, zone)}`;
      console.log(`${answer.user} (layer ${answer.layer}) ${until}`);
    });

  oncall
    .command('shifts')
    .description('the upcoming stretches of on-call time, in the schedule\'s zone')
    .requiredOption('--schedule <name>', 'a schedule from the config')
    .option('--from <time>', 'ISO time (default now); without an offset, local time in the schedule\'s zone')
    .option('--days <n>', 'how many calendar days to show', '7')
    .option('--json', 'print JSON (times as ISO strings in the schedule\'s zone)')
    .action((o: { schedule: string; from?: string; days: string; json?: boolean }) => {
      const schedule = scheduleNamed(ctx(), o.schedule);
      const zone = schedule.timezone;
      const days = Number(o.days);
      if (!Number.isInteger(days) || days < 1 || days > MAX_DAYS) {
        throw new VigilError('invalid_input', `--days: "${o.days}" is not a whole number of days from 1 to ${MAX_DAYS}`);
      }
      const from = instantOption('--from', o.from, zone);
      // Calendar days in the zone, so "7 days" across a DST change still ends at the same wall-clock time.
      const to = DateTime.fromMillis(from, { zone }).plus({ days }).toMillis();
      const segments = onCallTimeline(schedule, from, to).map((s) => ({ ...s, start: inZone(s.start, zone), end: inZone(s.end, zone) }));
      if (o.json) return console.log(JSON.stringify(segments, null, 2));
      if (segments.length === 0) return console.log(`nobody is on call between ${inZone(from, zone)} and ${inZone(to, zone)}`);
      console.log(columns([['FROM', 'TO', 'USER', 'LAYER'], ...segments.map((s) => [s.start, s.end, s.user, s.layer])]));
    });
}
