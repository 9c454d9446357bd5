import { DateTime, IANAZone } from 'luxon';
import { z } from 'zod';
import { nameSchema } from './names';

// Time model, decided once so every function agrees:
// - Handoffs happen at a local wall-clock time on local calendar days; shift k starts on the day
//   `start + k × shiftLength` (× 7 for weekly), so a shift spanning a DST change lasts 23 h or 25 h.
// - A wall time that does not exist (spring-forward gap) is moved forward by the gap, as luxon
//   normalises it: 02:30 Europe/Berlin on the last Sunday of March means 03:30 CEST that day.
// - A wall time that happens twice (fall-back) means its first occurrence (the earlier instant).

const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
/** A day of the week by its English name. */
export type Weekday = (typeof WEEKDAYS)[number];

/** The `layer` reported when an override, not a rotation layer, decides who is on call. */
export const OVERRIDE_LAYER = 'override';

const DAY_MS = 86_400_000;
// Continuous coverage longer than a week (plus DST slack) repeats forever, because restrictions repeat weekly.
const ALWAYS_COVERED_MS = 7 * DAY_MS + 2 * 3_600_000;

const weekdaySchema = z.enum(WEEKDAYS, { error: (iss) => `"${String(iss.input)}" is not a weekday (monday … sunday)` });
const clockSchema = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: (iss) => `"${String(iss.input)}" is not a 24-hour local time like 09:00` });
const isLocalDate = (s: string) => /^\d{4}-\d{2}-\d{2}$/.test(s) && DateTime.fromISO(s, { zone: 'utc' }).isValid;
const localDateSchema = z
  .string()
  .refine(isLocalDate, {
    error: (iss) => `"${String(iss.input)}" is not a date like 2024-03-04`,
  });
// Overrides are absolute instants, so an offset is required: a bare local time would silently depend on the server's zone.
const instantSchema = z
  .string()
  .refine((s) => /(Z|[+-]\d{2}(:?\d{2})?)$/i.test(s) && DateTime.fromISO(s, { setZone: true }).isValid, {
    error: (iss) => `"${String(iss.input)}" is not an ISO time with offset, like 2024-03-04T09:00+01:00 or 2024-03-04T08:00Z`,
  });

const restrictionSchema = z
  .object({
    // A window belongs to the day it starts on: friday 22:00–06:00 covers Friday night into Saturday morning.
    days: z.array(weekdaySchema).min(1, 'list at least one day, or leave days out for every day').default([...WEEKDAYS]),
    from: clockSchema,
    // to < from runs past midnight; to = from is a whole day starting at from.
    to: clockSchema,
  })
  .strict();

const layerSchema = z
  .object({
    name: nameSchema,
    users: z.array(nameSchema).min(1, 'a layer needs at least one user'),
    rotation: z.enum(['daily', 'weekly']),
    shiftLength: z.number().int().min(1, 'shiftLength counts days or weeks: at least 1').default(1),
    handoff: clockSchema.default('09:00'),
    handoffDay: weekdaySchema.optional().describe('weekly layers only; default monday; start must fall on it'),
    start: localDateSchema,
    restrictions: z.array(restrictionSchema).min(1, 'leave restrictions out for a layer that always applies').optional(),
  })
  .strict()
  .superRefine((layer, ctx) => {
    if (layer.name === OVERRIDE_LAYER) {
      ctx.addIssue({ code: 'custom', path: ['name'], message: `"${OVERRIDE_LAYER}" is reserved for overrides` });
    }
    if (layer.rotation === 'daily' && layer.handoffDay !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['handoffDay'], message: 'only weekly layers have a handoffDay; daily layers hand off every day' });
    }
    // A bad start date is already reported; a weekday guess from it would only add noise.
    if (layer.rotation === 'weekly' && isLocalDate(layer.start)) {
      // Weekly shifts are counted in whole weeks from start, so start itself must be a handoff day.
      const want = layer.handoffDay ?? 'monday';
      const day = epochDay(layer.start);
      const got = weekdayOf(day);
      if (got !== want) {
        const before = day - ((WEEKDAYS.indexOf(got) - WEEKDAYS.indexOf(want) + 7) % 7);
        ctx.addIssue({
          code: 'custom',
          path: ['start'],
          message: `${layer.start} is a ${got}, but this weekly layer hands off on ${want}s: start on a ${want} such as ${isoDate(before)} or ${isoDate(before + 7)}, or set handoffDay`,
        });
      }
    }
  });

const overrideSchema = z
  .object({ user: nameSchema, start: instantSchema, end: instantSchema })
  .strict()
  // Unparseable times are already reported; comparing NaNs would only add noise.
  .refine((o) => !(toMillis(o.end) <= toMillis(o.start)), { message: 'end must be after start', path: ['end'] });

/** An on-call schedule: rotation layers (later ones take precedence) plus one-off overrides, in one time zone. */
export const scheduleSchema = z
  .object({
    timezone: z.string().refine((zone) => IANAZone.isValidZone(zone), {
      error: (iss) => `"${String(iss.input)}" is not an IANA time zone (e.g. Europe/Berlin, America/New_York, UTC)`,
    }),
    layers: z.array(layerSchema).min(1, 'a schedule needs at least one layer'),
    overrides: z.array(overrideSchema).default([]),
  })
  .strict()
  .superRefine((s, ctx) => {
    const seen = new Set<string>();
    s.layers.forEach((layer, i) => {
      if (seen.has(layer.name)) ctx.addIssue({ code: 'custom', path: ['layers', i, 'name'], message: `layer name "${layer.name}" is used twice` });
      seen.add(layer.name);
    });
  });

/** A validated schedule (defaults filled in). */
export type Schedule = z.output<typeof scheduleSchema>;
/** A schedule as written in the config file. */
export type ScheduleInput = z.input<typeof scheduleSchema>;

/** Who is on call at an instant, from which layer, and until when that answer holds (null: it never changes). */
export interface OnCall {
  user: string;
  layer: string;
  until: number | null;
}

/** One stretch of time with the same person on call for the same reason. */
export interface OnCallSegment {
  user: string;
  layer: string;
  start: number;
  end: number;
}

/** Every user a schedule names, with where, so the config can check each exists. */
export function scheduleUserRefs(schedule: Schedule): Array<{ user: string; path: Array<string | number> }> {
  return [
    ...schedule.layers.flatMap((l, i) => l.users.map((user, j) => ({ user, path: ['layers', i, 'users', j] }))),
    ...schedule.overrides.map((o, i) => ({ user: o.user, path: ['overrides', i, 'user'] })),
  ];
}

/** The distinct user names a schedule refers to, in order of first mention. */
export function scheduleUserNames(schedule: Schedule): string[] {
  return [...new Set(scheduleUserRefs(schedule).map((r) => r.user))];
}

// ---- calendar arithmetic: dates as days since 1970-01-01, independent of any zone ----

function epochDay(date: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return Date.UTC(y, m - 1, d) / DAY_MS;
}

function isoDate(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

function weekdayOf(day: number): Weekday {
  // 1970-01-01 was a Thursday.
  return WEEKDAYS[(((day + 3) % 7) + 7) % 7]!;
}

function minutesOf(clock: string): number {
  return Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3));
}

function toMillis(iso: string): number {
  return DateTime.fromISO(iso, { setZone: true }).toMillis();
}

// Timelines ask for the same few handoffs and window edges over and over; luxon's zone maths dominates otherwise.
const wallClockCache = new Map<string, number>();
const WALL_CLOCK_CACHE_SIZE = 50_000;

/** The instant a local wall-clock time happens on a local day (see the time model at the top). */
function wallClock(day: number, minutes: number, zone: string): number {
  const key = `${zone} ${day} ${minutes}`;
  const cached = wallClockCache.get(key);
  if (cached !== undefined) return cached;
  if (wallClockCache.size >= WALL_CLOCK_CACHE_SIZE) wallClockCache.clear();
  const instant = computeWallClock(day, minutes, zone);
  wallClockCache.set(key, instant);
  return instant;
}

function computeWallClock(day: number, minutes: number, zone: string): number {
  const d = new Date(day * DAY_MS);
  const dt = DateTime.fromObject(
    { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: Math.floor(minutes / 60), minute: minutes % 60 },
    { zone },
  );
  // Luxon resolves an ambiguous time to its second occurrence; we want the first.
  return Math.min(dt.toMillis(), ...dt.getPossibleOffsets().map((c) => c.toMillis()));
}

function localDay(at: number, zone: string): number {
  const dt = DateTime.fromMillis(at, { zone });
  return Date.UTC(dt.year, dt.month - 1, dt.day) / DAY_MS;
}

// ---- layers ----

type Layer = Schedule['layers'][number];
type Window = [start: number, end: number];

function handoffAt(layer: Layer, zone: string, k: number): number {
  const period = layer.shiftLength * (layer.rotation === 'weekly' ? 7 : 1);
  return wallClock(epochDay(layer.start) + k * period, minutesOf(layer.handoff), zone);
}

/** Index of the shift running at `at` (shift k belongs to users[k mod n]), or -1 before the first handoff. */
function shiftIndex(layer: Layer, zone: string, at: number): number {
  if (at < handoffAt(layer, zone, 0)) return -1;
  const period = layer.shiftLength * (layer.rotation === 'weekly' ? 7 : 1);
  let k = Math.floor((localDay(at, zone) - epochDay(layer.start)) / period);
  // On a handoff day before the handoff time the previous shift is still running.
  while (k > 0 && handoffAt(layer, zone, k) > at) k--;
  while (handoffAt(layer, zone, k + 1) <= at) k++;
  return k;
}

/** The next handoff after shift k that gives the layer to someone else, or null if everyone in it is the same person. */
function nextUserChange(layer: Layer, zone: string, k: number): number | null {
  const n = layer.users.length;
  for (let j = k + 1; j <= k + n; j++) {
    if (layer.users[j % n] !== layer.users[k % n]) return handoffAt(layer, zone, j);
  }
  return null;
}

/** Restriction windows starting on the local days around `at`, merged where they touch. */
function windowsAround(layer: Layer, zone: string, at: number): Window[] {
  const today = localDay(at, zone);
  const windows: Window[] = [];
  // The day before catches over-midnight windows; eight days ahead reaches every weekday's next window.
  for (let day = today - 1; day <= today + 8; day++) {
    for (const r of layer.restrictions ?? []) {
      if (!r.days.includes(weekdayOf(day))) continue;
      const from = minutesOf(r.from);
      const to = minutesOf(r.to);
      const start = wallClock(day, from, zone);
      const end = wallClock(to > from ? day : day + 1, to, zone);
      if (end > start) windows.push([start, end]);
    }
  }
  windows.sort((a, b) => a[0] - b[0]);
  const merged: Window[] = [];
  for (const w of windows) {
    const last = merged[merged.length - 1];
    if (last && w[0] <= last[1]) last[1] = Math.max(last[1], w[1]);
    else merged.push([...w]);
  }
  return merged;
}

type Coverage = { covered: true; end: number | null } | { covered: false; next: number | null };

/** Whether the layer's restrictions cover `at`, and the next edge (end of coverage, or next start). */
function coverage(layer: Layer, zone: string, at: number): Coverage {
  if (!layer.restrictions) return { covered: true, end: null };
  const windows = windowsAround(layer, zone, at);
  const current = windows.find(([s, e]) => s <= at && at < e);
  if (current) return { covered: true, end: current[1] - current[0] > ALWAYS_COVERED_MS ? null : current[1] };
  return { covered: false, next: windows.find(([s]) => s > at)?.[0] ?? null };
}

/** The first instant after `at` at which an inactive layer becomes active (started and within its restrictions). */
function nextActivation(layer: Layer, zone: string, at: number): number | null {
  const x = Math.max(at, handoffAt(layer, zone, 0));
  const c = coverage(layer, zone, x);
  return c.covered ? x : c.next;
}

// ---- decisions ----

type Decision =
  | { kind: 'override'; index: number; user: string; end: number }
  | { kind: 'layer'; index: number; user: string; shift: number; coverEnd: number | null };

function labelOf(schedule: Schedule, d: Decision): string {
  return d.kind === 'override' ? OVERRIDE_LAYER : schedule.layers[d.index]!.name;
}

function decide(schedule: Schedule, at: number): Decision | null {
  for (let i = schedule.overrides.length - 1; i >= 0; i--) {
    const o = schedule.overrides[i]!;
    const [start, end] = [toMillis(o.start), toMillis(o.end)];
    if (start <= at && at < end) return { kind: 'override', index: i, user: o.user, end };
  }
  for (let i = schedule.layers.length - 1; i >= 0; i--) {
    const layer = schedule.layers[i]!;
    const shift = shiftIndex(layer, schedule.timezone, at);
    if (shift < 0) continue;
    const c = coverage(layer, schedule.timezone, at);
    if (c.covered) return { kind: 'layer', index: i, user: layer.users[shift % layer.users.length]!, shift, coverEnd: c.end };
  }
  return null;
}

/** The earliest instant after `at` where the decision could change: only sources that could beat or end the current one count. */
function nextEdge(schedule: Schedule, at: number, d: Decision | null): number | null {
  const zone = schedule.timezone;
  const edges: Array<number | null> = [];
  if (d?.kind === 'override') {
    edges.push(d.end);
    // Only later-defined overrides can take over while this one runs.
    for (const o of schedule.overrides.slice(d.index + 1)) edges.push(toMillis(o.start));
  } else {
    for (const o of schedule.overrides) edges.push(toMillis(o.start));
    const firstHigher = d ? d.index + 1 : 0;
    for (const layer of schedule.layers.slice(firstHigher)) edges.push(nextActivation(layer, zone, at));
    if (d) edges.push(nextUserChange(schedule.layers[d.index]!, zone, d.shift), d.coverEnd);
  }
  const future = edges.filter((e): e is number => e !== null && e > at);
  return future.length ? Math.min(...future) : null;
}

/** The next instant the (user, layer) answer actually differs from `d`'s, skipping edges that change nothing. */
function changeAfter(schedule: Schedule, at: number, d: Decision | null): number | null {
  const same = (x: Decision | null) => (x && d ? x.user === d.user && labelOf(schedule, x) === labelOf(schedule, d) : x === d);
  // Only override-to-override edges for the same person can be no-ops, so this loop is bounded by the override count.
  let t = at;
  let current = d;
  for (let guard = 0; guard <= 2 * schedule.overrides.length + 1; guard++) {
    const edge = nextEdge(schedule, t, current);
    if (edge === null) return null;
    current = decide(schedule, edge);
    if (!same(current)) return edge;
    t = edge;
  }
  return t;
}

/** Who is on call at `at` (epoch ms): the latest-defined covering override, else the last-listed active layer; null if nobody. */
export function whoIsOnCall(schedule: Schedule, at: number): OnCall | null {
  if (!Number.isFinite(at)) throw new RangeError(`whoIsOnCall: ${at} is not an instant`);
  const d = decide(schedule, at);
  return d && { user: d.user, layer: labelOf(schedule, d), until: changeAfter(schedule, at, d) };
}

/** Who is on call over [from, to), as segments clipped to that range (gaps where nobody is), at most `limit` of them. */
export function onCallTimeline(schedule: Schedule, from: number, to: number, limit = 500): OnCallSegment[] {
  if (!Number.isFinite(from) || !Number.isFinite(to)) throw new RangeError('onCallTimeline: from and to must be instants');
  const segments: OnCallSegment[] = [];
  let t = from;
  while (t < to && segments.length < limit) {
    const d = decide(schedule, t);
    const next = changeAfter(schedule, t, d);
    const end = Math.min(next ?? to, to);
    if (d) segments.push({ user: d.user, layer: labelOf(schedule, d), start: t, end });
    t = end;
  }
  return segments;
}
