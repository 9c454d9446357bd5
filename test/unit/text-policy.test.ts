import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { pagerDutyWebhookRoutes } from '../../api/routes/pagerduty-webhook';
import type { IncidentAction } from '../../app/incident-client';
import type { IncidentService } from '../../app/incident-service';
import { alertToViolation, sanitizeAlert, SANITIZED_LABEL, type AlertmanagerAlert } from '../../api/routes/alertmanager';
import { actorRefusal, reasonRefusal } from '../../domain/incident-actions';
import { noteRefusal } from '../../domain/incident-transitions';
import { openApiDocument } from '../../api/openapi';
import { LINE_PATTERN, sanitizeText, TEXT_PATTERN, textRefusal } from '../../domain/text';
import { safeLine, safeText } from '../../domain/text-schema';

const NUL_REASON = 'must not contain NUL (U+0000)';
const SURROGATE_REASON = 'must not contain a lone UTF-16 surrogate (invalid Unicode)';

// eslint-disable-next-line no-control-regex -- removes exactly the refused controls
const CONTROLS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g;
/** Strings holding only characters the policy accepts in free text (any code point but the refused ones). */
const acceptable = fc.string({ unit: 'grapheme', maxLength: 50 }).map((s) => s.replace(CONTROLS, ''));
const loneSurrogate = fc.oneof(fc.integer({ min: 0xd800, max: 0xdbff }), fc.integer({ min: 0xdc00, max: 0xdfff })).map((c) => String.fromCharCode(c));

describe('textRefusal', () => {
  const cases: { text: string; kind?: 'text' | 'line'; reason: string | null }[] = [
    // plain text passes
    { text: 'availability 97.2% < 99.5%', reason: null },
    // tabs and line breaks are fine in free text
    { text: 'line one\n\tline two\r\n', reason: null },
    // but not in a single line
    { text: 'alice\nbob', kind: 'line', reason: 'must be one line (no tabs or line breaks)' },
    // a proper surrogate pair (an emoji) is one valid character
    { text: 'fire 🔥', kind: 'line', reason: null },
    // NUL anywhere
    { text: 'a\u0000b', reason: NUL_REASON },
    { text: '\u0000', kind: 'line', reason: NUL_REASON },
    // a high surrogate alone, at the end and in the middle
    { text: 'x\uD83D', reason: SURROGATE_REASON },
    { text: '\uD83Dx', reason: SURROGATE_REASON },
    // a low surrogate alone
    { text: '\uDE00', reason: SURROGATE_REASON },
    // other C0 controls and DEL
    { text: 'bell\u0007', reason: 'must not contain control characters' },
    { text: 'esc\u001B[31m', reason: 'must not contain control characters' },
    { text: 'del\u007F', reason: 'must not contain control characters' },
  ];
  it.each(cases)('$text ($kind) → $reason', ({ text, kind, reason }) => {
    expect(textRefusal(text, kind)).toBe(reason);
  });

  it('refuses any string with a NUL, naming NUL', () => {
    fc.assert(fc.property(fc.string(), fc.string(), (a, b) => textRefusal(`${a}\u0000${b}`) === NUL_REASON));
  });

  it('refuses any string with a lone surrogate and no NUL', () => {
    fc.assert(
      fc.property(acceptable, loneSurrogate, acceptable, (a, s, b) => {
        // Keep the surrogate alone: drop a neighbour that would pair with it.
        const text = `${a.replace(/[\uD800-\uDBFF]$/, '')}${s}${b.replace(/^[\uDC00-\uDFFF]/, '')}`;
        return textRefusal(text) === SURROGATE_REASON;
      }),
    );
  });
});

describe('safeText / safeLine', () => {
  it('accepts any acceptable string within the bound unchanged', () => {
    const schema = safeText({ max: 200 });
    fc.assert(fc.property(acceptable, (s) => s.length > 200 || schema.parse(s) === s));
  });

  it('refuses NUL and lone surrogates with the reason, and over-long text with the bound', () => {
    const schema = safeLine({ max: 10, min: 1, trim: true });
    expect(schema.safeParse('a\u0000b').error?.issues[0]?.message).toBe(NUL_REASON);
    expect(schema.safeParse('a\uD800').error?.issues[0]?.message).toBe(SURROGATE_REASON);
    expect(schema.safeParse('x'.repeat(11)).error?.issues[0]?.message).toBe('must be at most 10 characters');
    expect(schema.safeParse('   ').error?.issues[0]?.message).toBe('must not be empty');
    expect(schema.parse('  alice ')).toBe('alice');
  });
});

describe('domain refusals used by the workflow validators', () => {
  const cases = [
    // the actor of any action
    { refusal: actorRefusal('al\u0000ice'), reason: `"by" ${NUL_REASON}` },
    { refusal: actorRefusal('al\uDC00ice'), reason: `"by" ${SURROGATE_REASON}` },
    { refusal: actorRefusal('alice'), reason: null },
    // a note's text
    { refusal: noteRefusal('see\u0000log'), reason: `"text" ${NUL_REASON}` },
    { refusal: noteRefusal('see\nlog'), reason: null },
    // a resolve reason (Slack, CLI and API all reach the workflow's validator)
    { refusal: reasonRefusal('fixed\u0000it'), reason: `"reason" ${NUL_REASON}` },
    { refusal: reasonRefusal('x'.repeat(2001)), reason: '"reason" must be text of at most 2000 characters' },
    { refusal: reasonRefusal(undefined), reason: null },
  ];
  it.each(cases)('$reason', ({ refusal, reason }) => expect(refusal).toBe(reason));
});

describe('sanitizeText (Alertmanager)', () => {
  it('replaces NUL, lone surrogates and controls visibly with U+FFFD', () => {
    expect(sanitizeText('a\u0000b\uD800c\u0007d\n')).toBe('a\uFFFDb\uFFFDc\uFFFDd\n');
    expect(sanitizeText('ok 🔥')).toBe('ok 🔥');
  });

  it('always yields acceptable text, is idempotent, and leaves acceptable text alone', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const once = sanitizeText(s);
        return textRefusal(once) === null && sanitizeText(once) === once;
      }),
    );
    fc.assert(fc.property(acceptable, (s) => sanitizeText(s) === s));
  });
});

describe('alertToViolation with hostile labels', () => {
  const alert = (labels: Record<string, string>, annotations: Record<string, string> = {}): AlertmanagerAlert => ({
    status: 'firing',
    labels,
    annotations,
    startsAt: '2026-01-01T00:00:00Z',
    fingerprint: 'abc',
  });

  it('keeps the alert, replaces the bad characters and marks it sanitised', () => {
    const v = alertToViolation(alert({ alertname: 'High\u0000Latency', service: 'rag', pod: 'p\uD800' }, { summary: 'slow\u0000' }));
    expect(v.labels).toMatchObject({ pod: 'p\uFFFD', [SANITIZED_LABEL]: 'true' });
    expect(v.title).toBe('slow\uFFFD');
    expect(JSON.stringify(v)).not.toMatch(/\\u0000/);
  });

  it('leaves clean alerts unmarked, and sanitising twice changes nothing', () => {
    const clean = alert({ alertname: 'HighLatency', service: 'rag' });
    expect(alertToViolation(clean).labels).not.toHaveProperty(SANITIZED_LABEL);
    const once = sanitizeAlert(alert({ alertname: 'x\u0000' })).alert;
    expect(sanitizeAlert(once)).toEqual({ alert: once, sanitized: false });
  });

  it('never cuts a surrogate pair in half when shortening', () => {
    const v = alertToViolation(alert({ alertname: 'a', pod: `${'x'.repeat(498)}🔥🔥` }, { summary: `${'y'.repeat(298)}🔥🔥` }));
    expect(textRefusal(v.labels.pod!)).toBeNull();
    expect(textRefusal(v.title)).toBeNull();
  });
});

describe('/openapi.json states the policy', () => {
  it('has patterns that agree with textRefusal on every string without surrogates', () => {
    const noSurrogates = fc.string({ unit: 'binary', maxLength: 30 }).map((s) => s.replace(/[\uD800-\uDFFF]/g, ''));
    fc.assert(
      fc.property(noSurrogates, (s) =>
        new RegExp(TEXT_PATTERN).test(s) === (textRefusal(s) === null) && new RegExp(LINE_PATTERN).test(s) === (textRefusal(s, 'line') === null),
      ),
    );
  });

  it('gives the changed fields their bound and pattern, and every operation 400 and 405', () => {
    const doc = openApiDocument() as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
      components: { schemas: Record<string, { properties: Record<string, unknown> }> };
    };
    // Trimmed fields carry their bound inside the pattern (surrounding whitespace allowed, counted after trimming).
    const accepts = (schema: unknown, value: string) => new RegExp((schema as { pattern: string }).pattern, 'v').test(value);
    const title = doc.components.schemas.Violation!.properties.title;
    expect([accepts(title, 'p95 over SLA'), accepts(title, 'a\u0000b'), accepts(title, 'x'.repeat(300)), accepts(title, 'x'.repeat(301))]).toEqual([true, false, true, false]);
    const createdBy = doc.components.schemas.SilenceInput!.properties.createdBy;
    expect([accepts(createdBy, 'alice'), accepts(createdBy, 'a\nb'), accepts(createdBy, 'x'.repeat(201))]).toEqual([true, false, false]);
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) expect(Object.keys(op.responses), `${method} ${path}`).toEqual(expect.arrayContaining(['400', '405']));
    }
  });
});

describe('PagerDuty webhook (a foreign sender): sanitised, never refused', () => {
  const SECRET = 'pd-unit-secret';
  const KEY = 'incident/0123456789abcdef';

  async function deliver(agent: { id?: string; summary?: string }, eventId = 'EVT1') {
    const calls: Array<{ id: string; action: IncidentAction; updateId: string | undefined }> = [];
    const incidents = {
      act: async (id: string, action: IncidentAction, updateId?: string) => {
        calls.push({ id, action, updateId });
        return { changed: true, status: 'acknowledged', message: 'Acknowledged.' };
      },
    } as unknown as IncidentService;
    const app = Fastify();
    pagerDutyWebhookRoutes(app, { incidents, secret: SECRET, logger: { info: () => {}, warn: () => {} } });
    const body = JSON.stringify({ event: { id: eventId, event_type: 'incident.acknowledged', agent, data: { id: 'P1', type: 'incident', incident_key: KEY } } });
    const signature = `v1=${createHmac('sha256', SECRET).update(body, 'utf8').digest('hex')}`;
    const res = await app.inject({ method: 'POST', url: '/v1/integrations/pagerduty', headers: { 'content-type': 'application/json', 'x-pagerduty-signature': signature }, payload: body });
    await app.close();
    return { status: res.statusCode, calls };
  }

  it('keeps a hostile acknowledger name visibly sanitised on one line, and acts', async () => {
    const r = await deliver({ summary: 'Eve\u0000\nAdmin\uD800\u001B' }, 'EVT\u00001');
    expect(r.status).toBe(200);
    expect(r.calls).toEqual([{ id: KEY, action: { type: 'acknowledge', by: 'pagerduty:Eve\uFFFD\uFFFDAdmin\uFFFD\uFFFD' }, updateId: 'pagerduty:EVT\uFFFD1' }]);
  });

  it('never cuts a surrogate pair when shortening, and the actor always passes the workflow validator', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 300 }), async (summary) => {
        const r = await deliver({ summary });
        expect(r.status).toBe(200);
        expect(actorRefusal(r.calls[0]!.action.by)).toBeNull();
      }),
      { numRuns: 30 },
    );
  });
});
