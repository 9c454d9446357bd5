import { describe, expect, it } from 'vitest';
import { emptySketch } from '../../domain/latency-sketch';
import type { WindowSummary } from '../../domain/window-summary';
import {
  createHttpTransport,
  createProcessingEventEmitter,
  createReporter,
  createTemporalTransport,
  EmitterError,
  InvalidFieldError,
  TransportError,
  type FetchLike,
  type MonitorSignalClient,
  type Transport,
} from '../../sdk';

const NUL = 'must not contain NUL (U+0000)';
const never: Transport = { maxBatch: 1, send: async () => {} };

/** Returns what `fn` threw (failing when it threw nothing). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('did not throw');
}

const window = (o: Partial<WindowSummary> = {}): WindowSummary => ({
  service: 'search-api',
  start: 0,
  durationMs: 10_000,
  count: 0,
  errors: 0,
  latency: emptySketch(),
  qualitySum: 0,
  qualityCount: 0,
  costUsdSum: 0,
  tokensSum: 0,
  satisfactionSum: 0,
  satisfactionCount: 0,
  dropped: 0,
  ...o,
});

describe('createReporter refuses hostile service and source names in the caller', () => {
  it.each([
    // each case: the options, the field named and why
    { o: { service: 'search\u0000api' }, field: 'reporter service', why: NUL },
    { o: { service: 'search\napi' }, field: 'reporter service', why: 'must be one line (no tabs or line breaks)' },
    { o: { service: 'search-api', source: 'pod\uD800' }, field: 'reporter source', why: 'must not contain a lone UTF-16 surrogate (invalid Unicode)' },
    { o: { service: 'search-api', source: 'pod\u001B[2J' }, field: 'reporter source', why: 'must not contain control characters' },
  ])('$field: $why', ({ o, field, why }) => {
    const e = thrown(() => createReporter({ ...o, transport: never }));
    expect(e).toBeInstanceOf(InvalidFieldError);
    expect(e).toMatchObject({ code: 'invalid_input', field, reason: why, message: `${field} ${why}` });
  });

  it('takes clean names, emoji included', async () => {
    const r = createReporter({ service: 'search-api', source: 'pod-🔥-1', transport: never });
    await r.shutdown();
  });
});

describe('transports refuse a hostile window before sending, for good', () => {
  it('HTTP: no request, a non-retryable client error naming the field', async () => {
    let requests = 0;
    const fetchImpl: FetchLike = async () => {
      requests++;
      return { ok: true, status: 202, headers: { get: () => null }, text: async () => '' };
    };
    const t = createHttpTransport({ url: 'https://vigil.example.com', token: 'vgl_token-1234', fetchImpl });
    const e = await t.send([window(), window({ source: 'a\u0000b' })]).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TransportError);
    expect(e).toMatchObject({ reason: 'client', retryable: false, message: `windows[1].source ${NUL}` });
    expect((e as TransportError).cause).toBeInstanceOf(InvalidFieldError);
    expect(requests).toBe(0);
  });

  it('Temporal: no signal, a non-retryable client error naming the field', async () => {
    let signals = 0;
    const client: MonitorSignalClient = { workflow: { signalWithStart: async () => void signals++ } };
    const t = createTemporalTransport({ client, taskQueue: 'q' });
    const e = await t.send([window({ service: 'x\u0007' })]).catch((x: unknown) => x);
    expect(e).toMatchObject({ reason: 'client', retryable: false, message: 'windows[0].service must not contain control characters' });
    expect(signals).toBe(0);
  });
});

describe('processing events: text fields are refused at emit()', () => {
  it('names the field of a NUL or lone surrogate and sends nothing', async () => {
    let requests = 0;
    const fetchImpl: FetchLike = async () => {
      requests++;
      return { ok: true, status: 202, headers: { get: () => null }, text: async () => '{"results":[]}' };
    };
    const emitter = createProcessingEventEmitter({ baseUrl: 'https://vigil.example.com', token: 'vgl_token-1234', system: 'search-rag', fetch: fetchImpl, onError: () => {} });
    const base = { actor: { id: 'svc', roles: ['service'] }, action: 'query' as const, outcome: 'success' as const };
    const cases = [
      { e: { ...base, actor: { id: 'svc\u0000', roles: [] } }, field: 'actor.id', why: NUL },
      { e: { ...base, auditLogId: 'log\uDC00' }, field: 'auditLogId', why: 'must not contain a lone UTF-16 surrogate (invalid Unicode)' },
      { e: { ...base, id: 'evt\n1' }, field: 'id', why: 'must be one line (no tabs or line breaks)' },
    ];
    for (const c of cases) {
      const e = thrown(() => emitter.emit(c.e));
      expect(e).toBeInstanceOf(EmitterError);
      expect((e as EmitterError).issues).toEqual([{ field: c.field, message: c.why }]);
    }
    await emitter.close();
    expect(requests).toBe(0);
  });
});
