import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createProcessingEventEmitter, EmitterError, systemClock, type EmitEvent, type FetchLike, type ProcessingEventEmitterOptions } from '../../sdk';
import { FakeClock } from '../support/fake-clock';

const T0 = Date.parse('2026-11-29T10:00:00Z');
const TOKEN = 'vgl_unit-test-token-123';

type Answer = { status: number; body?: unknown; headers?: Record<string, string> } | Error;
interface SentEvent {
  id: string;
  time: string;
  system: string;
  categories: string[];
  lawfulBasis?: string;
}

/** Answers like the API: 202 with a verdict per event (personal data without a lawful basis violates GDPR-6), unless `script` says otherwise for that call. */
function fakeApi(script: (call: number) => Answer | undefined = () => undefined) {
  const requests: Array<{ url: string; headers: Record<string, string>; events: SentEvent[] }> = [];
  const fetchImpl: FetchLike = async (url, init) => {
    const events = (JSON.parse(init.body) as { events: SentEvent[] }).events;
    requests.push({ url, headers: init.headers, events });
    const a = script(requests.length) ?? {
      status: 202,
      body: {
        accepted: events.length,
        results: events.map((e) => {
          const violated = e.categories.includes('pii') && !e.lawfulBasis ? ['GDPR-6-lawful-basis'] : [];
          return { id: e.id, overall_compliant: violated.length === 0, violated_rules: violated };
        }),
      },
    };
    if (a instanceof Error) throw a;
    const headers = new Map(Object.entries(a.headers ?? {}));
    return { ok: a.status < 300, status: a.status, headers: { get: (h: string) => headers.get(h.toLowerCase()) ?? null }, text: async () => (a.body === undefined ? '' : JSON.stringify(a.body)) };
  };
  return { fetchImpl, requests, ids: () => requests.map((r) => r.events.map((e) => e.id)) };
}

function setup(o: Partial<ProcessingEventEmitterOptions> = {}, script?: (call: number) => Answer | undefined) {
  const clock = new FakeClock(T0);
  const api = fakeApi(script);
  const errors: EmitterError[] = [];
  const emitter = createProcessingEventEmitter({ baseUrl: 'https://vigil.example.com/', token: TOKEN, system: 'search-rag', fetch: api.fetchImpl, clock, onError: (e) => errors.push(e), retryBaseMs: 100, retryMaxMs: 10_000, ...o });
  return { clock, api, errors, emitter };
}

const event = (extra: Partial<EmitEvent> = {}): EmitEvent => ({ actor: { id: 'svc-search', roles: ['service'] }, action: 'query', outcome: 'success', ...extra });
const refused = (fn: () => unknown): EmitterError => {
  try {
    fn();
  } catch (e) {
    if (e instanceof EmitterError) return e;
    throw e;
  }
  throw new Error('emit() did not throw');
};

describe('emit: validation at the call site', () => {
  it.each([
    // each case: a caller bug, and the field the thrown error names
    { why: 'unknown action', e: event({ action: 'teleport' as EmitEvent['action'] }), field: 'action' },
    { why: 'no actor id', e: event({ actor: { id: '', roles: [] } }), field: 'actor.id' },
    { why: 'unreadable time', e: event({ time: 'yesterday' }), field: 'time' },
    { why: 'invalid Date', e: event({ time: new Date('nope') }), field: 'time' },
    { why: 'unknown category', e: event({ categories: ['pii', 'gossip' as 'pii'] }), field: 'categories.1' },
    { why: 'erasure without subject', e: event({ action: 'erasure_request' }), field: 'subjectId' },
    { why: 'negative retention', e: event({ retentionDays: -1 }), field: 'retentionDays' },
  ])('throws invalid_event naming $field for $why, and sends nothing', async ({ e, field }) => {
    const { emitter, api } = setup();
    const err = refused(() => emitter.emit(e));
    expect(err.code).toBe('invalid_event');
    expect(err.issues.map((i) => i.field)).toContain(field);
    expect(err.message).toContain(`${field}: `);
    await emitter.close();
    expect(api.requests).toEqual([]);
    expect(emitter.stats()).toMatchObject({ emitted: 0, refused: 1 });
  });

  it('names a misspelt field rather than ignoring it', () => {
    const { emitter } = setup();
    const err = refused(() => emitter.emit({ ...event(), categoreis: ['pii'] } as EmitEvent));
    expect(err.message).toMatch(/categoreis/);
  });

  it('refuses an event of another system with wrong_system, and normalises its own name', async () => {
    const { emitter, api } = setup();
    const err = refused(() => emitter.emit(event({ system: 'billing-rag' })));
    expect(err).toMatchObject({ code: 'wrong_system', issues: [{ field: 'system' }] });
    emitter.emit(event({ system: ' Search-RAG ' }));
    await emitter.flush();
    expect(api.requests[0]!.events[0]!.system).toBe('search-rag');
  });

  it('fills id (a UUID), time (now, from the clock) and system; keeps what the caller gave', async () => {
    const { emitter, api } = setup();
    const id = emitter.emit(event());
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(emitter.emit(event({ id: 'evt-7', time: new Date(T0 - 60_000) }))).toBe('evt-7');
    await emitter.flush();
    expect(api.requests[0]!.events.map((e) => [e.id, e.time, e.system])).toEqual([
      [id, '2026-11-29T10:00:00.000Z', 'search-rag'],
      ['evt-7', '2026-11-29T09:59:00.000Z', 'search-rag'],
    ]);
  });

  it.each([
    // each case: an option the emitter refuses at creation
    { o: { maxBatch: 1001 } },
    { o: { maxBatch: 0 } },
    { o: { baseUrl: 'vigil.example.com' } },
    { o: { system: 'Not A System!' } },
    { o: { token: '' } },
  ])('refuses options $o', ({ o }) => {
    expect(() => setup(o)).toThrow(/processing event emitter/);
  });
});

describe('batching and order', () => {
  it('sends a full batch at once and the rest at the interval (timeline: 7 events at 0 s, maxBatch 3)', async () => {
    const { emitter, api, clock } = setup({ maxBatch: 3, flushIntervalMs: 1_000 });
    const ids = Array.from({ length: 7 }, (_, i) => emitter.emit(event({ id: `e${i}` })));
    await clock.advance(0);
    expect(api.ids()).toEqual([ids.slice(0, 3), ids.slice(3, 6)]); // two full batches, in order
    await clock.advance(999);
    expect(api.requests).toHaveLength(2); // the last event waits for its batch to fill...
    await clock.advance(1);
    expect(api.ids()).toEqual([ids.slice(0, 3), ids.slice(3, 6), ['e6']]); // ...until the interval
    expect(api.requests[0]).toMatchObject({ url: 'https://vigil.example.com/v1/processing-events', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(emitter.stats()).toMatchObject({ emitted: 7, sent: 7, pending: 0 });
    await emitter.close();
  });

  it('flush() sends at once and resolves with each verdict, in emit order', async () => {
    const { emitter, api } = setup();
    emitter.emit(event({ id: 'ok-1' }));
    emitter.emit(event({ id: 'bad-1', action: 'retrieval', categories: ['pii'], purpose: 'support' }));
    emitter.emit(event({ id: 'ok-2', categories: ['pii'], lawfulBasis: 'contract' }));
    const r = await emitter.flush();
    expect(api.requests).toHaveLength(1);
    expect(r).toEqual({
      results: [
        { id: 'ok-1', overall_compliant: true, violated_rules: [] },
        { id: 'bad-1', overall_compliant: false, violated_rules: ['GDPR-6-lawful-basis'] },
        { id: 'ok-2', overall_compliant: true, violated_rules: [] },
      ],
      dropped: 0,
      errors: [],
    });
    expect(emitter.stats()).toMatchObject({ sent: 3, violations: 1 });
    expect(await emitter.flush()).toEqual({ results: [], dropped: 0, errors: [] }); // nothing waiting
  });

  it('tells onResults the verdicts of batches the timer sent, which no flush() returns', async () => {
    const seen: string[][] = [];
    const { emitter, clock } = setup({ onResults: (rs) => seen.push(rs.map((r) => `${r.id}:${r.violated_rules.join(',')}`)) });
    emitter.emit(event({ id: 'bg', categories: ['pii'] }));
    await clock.advance(1_000);
    expect(seen).toEqual([['bg:GDPR-6-lawful-basis']]);
    expect(await emitter.flush()).toEqual({ results: [], dropped: 0, errors: [] });
  });

  it('close() flushes, stops the timer and refuses later events; twice is fine', async () => {
    const { emitter, api, clock } = setup();
    emitter.emit(event({ id: 'last' }));
    await Promise.all([emitter.close(), emitter.close()]);
    expect(api.ids()).toEqual([['last']]);
    expect(clock.pending()).toEqual([]);
    expect(refused(() => emitter.emit(event())).code).toBe('closed');
  });
});

describe('retries', () => {
  it.each([
    // each case: the first answer, and how long the emitter must wait before trying again
    { why: '503 with Retry-After: 3', first: { status: 503, headers: { 'retry-after': '3' } }, waitMs: 3_000 },
    { why: '429 with Retry-After as an HTTP date', first: { status: 429, headers: { 'retry-after': new Date(T0 + 5_000).toUTCString() } }, waitMs: 5_000 },
  ])('$why: retried after the wait, the batch intact and its ids the same', async ({ first, waitMs }) => {
    const { emitter, api, clock } = setup({}, (call) => (call === 1 ? first : undefined));
    const ids = [emitter.emit(event()), emitter.emit(event())];
    const flushed = emitter.flush();
    await clock.advance(waitMs - 1);
    expect(api.requests).toHaveLength(1);
    await clock.advance(1);
    expect(api.requests).toHaveLength(2);
    expect(api.requests[1]!.events).toEqual(api.requests[0]!.events); // same ids, same times: the API's incidents dedup
    expect((await flushed).results.map((r) => r.id)).toEqual(ids);
    expect(emitter.stats()).toMatchObject({ sent: 2, retries: 1, dropped: 0 });
  });

  it('retries network errors and 5xx with backoff, keeping later events behind the retried batch', async () => {
    const answers: Answer[] = [new Error('ECONNRESET'), { status: 500 }];
    const { emitter, api, clock, errors } = setup({ maxBatch: 2 }, (call) => answers[call - 1]);
    emitter.emit(event({ id: 'a' }));
    emitter.emit(event({ id: 'b' })); // a full batch: sent now, fails
    emitter.emit(event({ id: 'c' })); // emitted during the retries
    const flushed = emitter.flush();
    await clock.advance(10_000);
    expect(api.ids()).toEqual([['a', 'b'], ['a', 'b'], ['a', 'b'], ['c']]);
    expect((await flushed).results.map((r) => r.id)).toEqual(['a', 'b', 'c']);
    expect(errors).toEqual([]);
  });

  it('gives up after maxRetries, dropping the batch with send_failed', async () => {
    const { emitter, api, clock, errors } = setup({ maxRetries: 2 }, () => ({ status: 502 }));
    emitter.emit(event());
    const flushed = emitter.flush();
    await clock.advance(10_000);
    expect(api.requests).toHaveLength(3);
    expect(errors.map((e) => [e.code, e.events])).toEqual([['send_failed', 1]]);
    expect(await flushed).toMatchObject({ results: [], dropped: 1 });
    expect(emitter.stats()).toMatchObject({ dropped: 1, retries: 2, pending: 0 });
  });

  it.each([
    // each case: an answer no retry can fix
    { status: 400, body: { error: 'invalid_input', message: 'invalid body', issues: [{ field: 'body.events.0.purpose', message: 'use lowercase letters' }] } },
    { status: 401, body: { error: 'unauthorized', message: 'unknown or revoked ingest token' } },
    { status: 403, body: { error: 'forbidden', message: 'this token is for "other-rag"', issues: [{ field: 'body.events.0.system', message: 'the token may report events of "other-rag" only' }] } },
    { status: 413, body: { error: 'FST_ERR_CTP_BODY_TOO_LARGE', message: 'Request body is too large' } },
  ])('$status: not retried, dropped, reported with the API issues; the next batch still goes', async (answer) => {
    const { emitter, api, clock, errors } = setup({}, (call) => (call === 1 ? answer : undefined));
    emitter.emit(event({ id: 'x' }));
    const flushed = emitter.flush();
    await clock.advance(60_000);
    expect(api.requests).toHaveLength(1);
    const first = await flushed;
    expect(errors).toHaveLength(1);
    const err = errors[0]!;
    expect(err).toMatchObject({ code: 'send_rejected', events: 1, details: { status: answer.status } });
    expect(err.issues).toEqual(answer.body.issues ?? []);
    expect(err.message).toContain(answer.body.message);
    expect(first).toEqual({ results: [], dropped: 1, errors: [err] });
    emitter.emit(event({ id: 'y' }));
    expect((await emitter.flush()).results.map((r) => r.id)).toEqual(['y']);
    expect(emitter.stats()).toMatchObject({ emitted: 2, sent: 1, dropped: 1, retries: 0 });
  });

  it('never puts the token in an error, even when fetch echoes it', async () => {
    const { emitter, errors } = setup({ maxRetries: 0 }, () => new Error(`connect failed for Bearer ${TOKEN}`));
    emitter.emit(event());
    await emitter.flush();
    expect(errors[0]!.message).toContain('[redacted]');
    expect(errors[0]!.message).not.toContain(TOKEN);
  });
});

describe('bounds', () => {
  it('throws buffer_full once maxBuffered events wait, and takes events again once they are sent', async () => {
    const { emitter, clock } = setup({ maxBuffered: 3, maxBatch: 10 }, (call) => (call === 1 ? { status: 503, headers: { 'retry-after': '2' } } : undefined));
    for (let i = 0; i < 3; i++) emitter.emit(event());
    const flushed = emitter.flush(); // in flight, waiting to retry: still counted against the bound
    await clock.advance(0);
    const err = refused(() => emitter.emit(event()));
    expect(err).toMatchObject({ code: 'buffer_full', events: 1 });
    expect(emitter.stats()).toMatchObject({ emitted: 3, refused: 1, pending: 3 });
    await clock.advance(2_000);
    expect((await flushed).results).toHaveLength(3);
    expect(() => emitter.emit(event())).not.toThrow();
  });
});

describe('over real HTTP', () => {
  let server: http.Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  it('posts JSON with the bearer token to a loopback server and reads its verdicts', async () => {
    const seen: Array<{ url?: string; auth?: string; type?: string; ids: string[] }> = [];
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const events = (JSON.parse(body) as { events: Array<{ id: string }> }).events;
        seen.push({ url: req.url, auth: req.headers.authorization, type: req.headers['content-type'], ids: events.map((e) => e.id) });
        res.writeHead(202, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ accepted: events.length, results: events.map((e) => ({ id: e.id, overall_compliant: true, violated_rules: [] })) }));
      });
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const emitter = createProcessingEventEmitter({ baseUrl: `http://127.0.0.1:${port}`, token: TOKEN, system: 'search-rag', clock: systemClock });
    emitter.emit(event({ id: 'real-1' }));
    emitter.emit(event({ id: 'real-2' }));
    const r = await emitter.flush();
    await emitter.close();
    expect(r.results.map((x) => x.id)).toEqual(['real-1', 'real-2']);
    expect(seen).toEqual([{ url: '/v1/processing-events', auth: `Bearer ${TOKEN}`, type: 'application/json', ids: ['real-1', 'real-2'] }]);
  });
});
