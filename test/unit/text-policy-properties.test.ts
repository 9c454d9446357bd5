// Property tests of the one text policy at every edge: the zod building blocks agree with
// textRefusal on every string, sanitising always yields acceptable text, no body schema accepts a
// NUL or lone surrogate in any string field, and the workflow validators' refusals are textRefusal's.
import { Command } from 'commander';
import fc from 'fast-check';
import type { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { checkTextBeforeEveryAction } from '../../cli/flags';
import { configSchema } from '../../domain/config';
import { processingEventSchema } from '../../domain/compliance/event';
import { VigilError } from '../../domain/errors';
import { actorRefusal, parseUntil, reasonRefusal } from '../../domain/incident-actions';
import { MAX_NOTE_LENGTH, noteRefusal } from '../../domain/incident-transitions';
import { emptySketch } from '../../domain/latency-sketch';
import { metricsBatchSchema } from '../../domain/metrics-input';
import { silenceInputSchema } from '../../domain/silence-input';
import { clipText, REPLACEMENT, sanitizeLine, sanitizeText, textRefusal } from '../../domain/text';
import { safeLine, safeText } from '../../domain/text-schema';
import { violationSchema } from '../../domain/violation';

/** Any string, biased towards what the policy is about: NUL, surrogate halves and pairs, controls, line breaks. */
const hostile = fc
  .array(
    fc.oneof(
      fc.constantFrom('\u0000', '\uD800', '\uDBFF', '\uDC00', '\uDFFF', '\uD83D\uDE00', '\t', '\n', '\r', '\u2028', '\u2029', '\u0001', '\u001B', '\u007F', '\u0085', ' ', 'a', 'é', REPLACEMENT),
      fc.string({ unit: 'binary', maxLength: 8 }),
    ),
    { maxLength: 12 },
  )
  .map((parts) => parts.join(''));

/** What no string field may hold: NUL (Postgres refuses it) and a lone surrogate half (no UTF-8 form). */
const unstorable = fc.oneof(fc.constant('\u0000'), fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)));
/** Refused controls; VT and FF are also JavaScript whitespace, so a trimmed field may drop them at its ends instead. */
const control = fc.constantFrom('\u0001', '\u0008', '\u000B', '\u000C', '\u001B', '\u001F', '\u007F');

describe('safeText / safeLine accept exactly what textRefusal accepts', () => {
  const text = safeText({ max: 10_000 });
  const line = safeLine({ max: 10_000 });

  it('free text: same verdict, and the refusal message is the reason', () => {
    fc.assert(
      fc.property(hostile, (s) => {
        const r = text.safeParse(s);
        const why = textRefusal(s, 'text');
        expect(r.success).toBe(why === null);
        if (!r.success) expect(r.error.issues.map((i) => i.message)).toEqual([why]);
      }),
      { numRuns: 500 },
    );
  });

  it('one line: same verdict, and the refusal message is the reason', () => {
    fc.assert(
      fc.property(hostile, (s) => {
        const r = line.safeParse(s);
        const why = textRefusal(s, 'line');
        expect(r.success).toBe(why === null);
        if (!r.success) expect(r.error.issues.map((i) => i.message)).toEqual([why]);
      }),
      { numRuns: 500 },
    );
  });
});

describe('sanitising', () => {
  it('sanitizeText and sanitizeLine always yield acceptable text and are idempotent', () => {
    fc.assert(
      fc.property(hostile, (s) => {
        const t = sanitizeText(s);
        const l = sanitizeLine(s);
        expect(textRefusal(t, 'text')).toBeNull();
        expect(textRefusal(l, 'line')).toBeNull();
        expect(sanitizeText(t)).toBe(t);
        expect(sanitizeLine(l)).toBe(l);
      }),
      { numRuns: 500 },
    );
  });

  it('they change nothing the policy accepts, and keep the length (one U+FFFD per refused unit)', () => {
    fc.assert(
      fc.property(hostile, (s) => {
        if (textRefusal(s, 'text') === null) expect(sanitizeText(s)).toBe(s);
        if (textRefusal(s, 'line') === null) expect(sanitizeLine(s)).toBe(s);
        expect(sanitizeText(s)).toHaveLength(s.length);
        expect(sanitizeLine(s)).toHaveLength(s.length);
      }),
      { numRuns: 300 },
    );
  });

  it('clipText stays within the bound and never makes acceptable text unacceptable', () => {
    fc.assert(
      fc.property(hostile, fc.nat({ max: 40 }), (s, max) => {
        const clipped = clipText(s, max);
        expect(clipped.length).toBeLessThanOrEqual(max);
        expect(s.startsWith(clipped)).toBe(true);
        if (textRefusal(s) === null) expect(textRefusal(clipped)).toBeNull();
      }),
      { numRuns: 300 },
    );
  });
});

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** Every string value's path in a JSON value (object keys are the schemas' own business). */
function stringPaths(v: Json, at: Array<string | number> = []): Array<Array<string | number>> {
  if (typeof v === 'string') return [at];
  if (Array.isArray(v)) return v.flatMap((x, i) => stringPaths(x, [...at, i]));
  if (v && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => stringPaths(x, [...at, k]));
  return [];
}

/** A deep copy of `v` with `insert` put into the string at `path`, at `pos` (clamped). */
function injected(v: Json, path: Array<string | number>, pos: number, insert: string): Json {
  const copy = structuredClone(v);
  const parent = path.slice(0, -1).reduce<Json>((o, k) => (o as Record<string | number, Json>)[k]!, copy) as Record<string | number, Json>;
  const key = path[path.length - 1]!;
  const s = parent[key] as string;
  const at = Math.min(pos, s.length);
  parent[key] = `${s.slice(0, at)}${insert}${s.slice(at)}`;
  return copy;
}

const bodies: Array<{ name: string; schema: z.ZodType; valid: Json }> = [
  {
    name: 'violation (POST /v1/incidents)',
    schema: violationSchema,
    valid: {
      service: 'checkout-rag',
      kind: 'availability_sla',
      dimension: 'p95',
      severity: 'high',
      title: 'availability 97.2% < 99.5%',
      current: 97.2,
      threshold: 99.5,
      unit: '%',
      impact: '2.8% of questions fail',
      labels: { region: 'eu-west-1', pod: 'checkout-7f9' },
      occurrenceId: 'occ-1',
    },
  },
  {
    name: 'silence (POST /v1/silences, vigil silences create)',
    schema: silenceInputSchema,
    valid: { matchers: ['service="checkout-rag"', 'kind=~"latency.*"'], startsAt: '2026-01-01T00:00:00Z', duration: '2h', createdBy: 'alice', comment: 'reindexing', incident: 'incident/0123456789abcdef' },
  },
  {
    name: 'processing event (POST /v1/processing-events, SDK emit)',
    schema: processingEventSchema,
    valid: {
      id: 'evt-1',
      time: '2026-01-01T00:00:00Z',
      actor: { id: 'svc-search', roles: ['service'] },
      action: 'disclosure',
      system: 'search-rag',
      subjectId: 'subject-1',
      categories: ['pii'],
      purpose: 'support',
      lawfulBasis: 'consent',
      consentId: 'consent-1',
      region: 'eu-west-1',
      changeTicket: { id: 'CHG-1', requester: 'bob', status: 'approved' },
      approver: 'carol',
      recipient: 'auditor',
      auditLogId: 'log-1',
      outcome: 'success',
    },
  },
  {
    name: 'metrics batch (POST /v1/metrics, SDK windows)',
    schema: metricsBatchSchema,
    valid: {
      windows: [
        {
          service: 'search-api',
          source: 'pod-1',
          start: 0,
          durationMs: 10_000,
          count: 0,
          errors: 0,
          latency: emptySketch() as unknown as Json,
          qualitySum: 0,
          qualityCount: 0,
          costUsdSum: 0,
          tokensSum: 0,
          satisfactionSum: 0,
          satisfactionCount: 0,
          dropped: 0,
        },
      ],
      samples: [{ service: 'search-api', at: '2026-01-01T00:00:00Z', latencyMs: 12, ok: true }],
    },
  },
  {
    name: 'config file (vigil config check)',
    schema: configSchema,
    valid: {
      temporal: { address: '127.0.0.1:7233', namespace: 'default', taskQueue: 'core', mlTaskQueue: 'ml', uiUrl: 'http://localhost:8233' },
      api: { host: '127.0.0.1', publicUrl: 'https://vigil.example.com' },
      channels: {
        team: { type: 'slack', channel: 'C0123' },
        mail: { type: 'email', to: ['oncall@example.com'], from: 'vigil@example.com' },
        pd: { type: 'pagerduty', apiUrl: 'https://events.pagerduty.com' },
        hook: { type: 'webhook', url: 'https://example.com/hook' },
      },
      users: { bob: { name: 'Bob', email: 'bob@example.com', slackId: 'U0BOB', notify: ['team'] } },
      silences: [{ matchers: ['service="a"'], startsAt: '2026-01-01T00:00:00Z', endsAt: '2026-01-02T00:00:00Z', createdBy: 'ops', comment: 'maintenance' }],
      inhibitRules: [{ sourceMatchers: ['kind="availability_sla"'], targetMatchers: ['kind="response_time_sla"'], equal: ['service'] }],
    },
  },
];

/** Every string in a parsed value, keys included. */
function stringsIn(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.flatMap(stringsIn);
  if (v && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => [k, ...stringsIn(x)]);
  return [];
}

const hex = (c: string) => `U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;

describe('edge schemas: nothing the policy refuses gets through any string field', () => {
  it.each(bodies)('$name: the untouched body is valid', ({ schema, valid }) => {
    const r = schema.safeParse(valid);
    expect(r.error?.issues ?? []).toEqual([]);
  });

  it.each(bodies)('$name: NUL or a lone surrogate anywhere in any string field is refused', ({ schema, valid }) => {
    const paths = stringPaths(valid);
    fc.assert(
      fc.property(fc.nat({ max: paths.length - 1 }), fc.nat({ max: 40 }), unstorable, (i, pos, bad) => {
        const body = injected(valid, paths[i]!, pos, bad);
        expect(schema.safeParse(body).success, `${paths[i]!.join('.')} with ${hex(bad)}`).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it.each(bodies)('$name: a control character is refused, or trimmed away, never kept', ({ schema, valid }) => {
    const paths = stringPaths(valid);
    fc.assert(
      fc.property(fc.nat({ max: paths.length - 1 }), fc.nat({ max: 40 }), control, (i, pos, bad) => {
        const r = schema.safeParse(injected(valid, paths[i]!, pos, bad));
        if (r.success) for (const s of stringsIn(r.data)) expect(textRefusal(s), `${paths[i]!.join('.')} with ${hex(bad)}`).toBeNull();
      }),
      { numRuns: 300 },
    );
  });
});

// The incident workflow's update validators are refuse(actorRefusal(by)), refuse(reasonRefusal(reason))
// and refuse(noteRefusal(text)); these are what they decide with.
describe("workflow update validators' refusals", () => {
  const within = (s: string, max: number) => s.length <= max && s.trim().length > 0;

  it('an actor is refused exactly when textRefusal refuses it as a line (within the bounds), naming "by"', () => {
    fc.assert(
      fc.property(hostile, (by) => {
        fc.pre(within(by, 200));
        const why = textRefusal(by, 'line');
        expect(actorRefusal(by)).toBe(why === null ? null : `"by" ${why}`);
      }),
      { numRuns: 500 },
    );
  });

  it('a reason is refused exactly when textRefusal refuses it as free text, naming "reason"', () => {
    fc.assert(
      fc.property(hostile, (reason) => {
        const why = textRefusal(reason, 'text');
        expect(reasonRefusal(reason)).toBe(why === null ? null : `"reason" ${why}`);
      }),
      { numRuns: 500 },
    );
  });

  it('a note is refused exactly when textRefusal refuses it as free text (within the bounds), naming "text"', () => {
    fc.assert(
      fc.property(hostile, (text) => {
        fc.pre(within(text, MAX_NOTE_LENGTH));
        const why = textRefusal(text, 'text');
        expect(noteRefusal(text)).toBe(why === null ? null : `"text" ${why}`);
      }),
      { numRuns: 500 },
    );
  });

  it('never throw, whatever arrives (a client may send any JSON), and answer a reason or null', () => {
    const anyJson = fc.oneof(hostile, fc.jsonValue(), fc.anything());
    fc.assert(
      fc.property(anyJson, (v) => {
        for (const f of [actorRefusal, reasonRefusal, parseUntil]) expect(() => f(v)).not.toThrow();
        for (const r of [actorRefusal(v), reasonRefusal(v)]) expect(r === null || typeof r === 'string').toBe(true);
        if (typeof v === 'string') expect(() => noteRefusal(v)).not.toThrow();
      }),
      { numRuns: 500 },
    );
  });
});

describe('CLI flags', () => {
  /** Runs a one-command program with the CLI's text check; the refusal message, or null when the action ran. */
  function run(args: string[]): string | null {
    const program = new Command('vigil').exitOverride();
    checkTextBeforeEveryAction(program);
    program.command('note <id>').option('--by <who>').option('--text <text>').action(() => undefined);
    try {
      program.parse(args, { from: 'user' });
      return null;
    } catch (e) {
      if (e instanceof VigilError && e.code === 'invalid_input') return e.message;
      throw e;
    }
  }

  it('a one-line flag, a free-text flag and an argument are refused exactly when textRefusal refuses, naming them', () => {
    fc.assert(
      fc.property(hostile, (s) => {
        const line = textRefusal(s, 'line');
        const text = textRefusal(s, 'text');
        expect(run(['note', 'abc', `--by=${s}`])).toBe(line === null ? null : `--by: ${line}`);
        expect(run(['note', 'abc', `--text=${s}`])).toBe(text === null ? null : `--text: ${text}`);
        // "--" keeps an argument that starts with "-" an argument.
        expect(run(['note', '--', s])).toBe(line === null ? null : `<id>: ${line}`);
      }),
      { numRuns: 300 },
    );
  });
});
