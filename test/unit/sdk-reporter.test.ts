import { afterEach, describe, expect, expectTypeOf, it, vi } from 'vitest';
import type { Client } from '@temporalio/client';
import { addValue, emptySketch, quantile } from '../../domain/latency-sketch';
import type { WindowSummary } from '../../domain/window-summary';
import {
  ReporterError,
  TransportError,
  createHttpTransport,
  createReporter,
  createTemporalTransport,
  type FetchLike,
  type MetricSample,
  type MonitorSignalClient,
  type ReporterOptions,
  type Transport,
} from '../../sdk';
import { FakeClock } from '../support/fake-clock';

// 2023-11-14T22:13:20Z: a multiple of 10 s, so window boundaries read as T0 + n·10 s.
const T0 = 1_700_000_000_000;

/** A transport that records what it was given; `behave` decides each call's outcome. */
function recordingTransport(behave: (call: number, windows: readonly WindowSummary[]) => Promise<void> | void = () => {}, maxBatch = 10) {
  const calls: WindowSummary[][] = [];
  const transport: Transport = {
    maxBatch,
    send(windows) {
      calls.push([...windows]);
      const r = behave(calls.length, windows);
      return r instanceof Promise ? r : Promise.resolve();
    },
  };
  return { transport, calls, sent: () => calls.flat() };
}

function setup(o: Partial<ReporterOptions> & { transport: Transport }, start = T0 + 3_000) {
  const clock = new FakeClock(start);
  const errors: ReporterError[] = [];
  const reporter = createReporter({ service: 'search-api', clock, onError: (e) => errors.push(e), retryBaseMs: 100, retryMaxMs: 1_000, ...o });
  return { clock, errors, reporter };
}

const sample = (latencyMs: number, extra: Partial<MetricSample> = {}): MetricSample => ({ latencyMs, ok: true, ...extra });

describe('createReporter: windows', () => {
  it('closes windows on the aligned boundary with the right counts and sums (timeline: created at 3 s, samples at 3 s and 12 s)', async () => {
    const { transport, sent } = recordingTransport();
    const { clock, reporter } = setup({ transport });

    reporter.record({ latencyMs: 120, ok: true, qualityScore: 0.9, costUsd: 0.002, tokens: 800, satisfaction: 1 });
    reporter.record({ latencyMs: 480, ok: false, qualityScore: 0.4, costUsd: 0.004, tokens: 1200 });
    reporter.record({ latencyMs: 80, ok: true, labels: { route: '/ask' } });
    await clock.advance(6_999); // 9.999 s: still open
    expect(sent()).toEqual([]);
    await clock.advance(1); // 10 s: the first window closes
    expect(sent()).toHaveLength(1);
    const w = sent()[0]!;
    expect(w).toMatchObject({
      service: 'search-api',
      start: T0, // aligned, though the reporter started at 3 s: replicas report the same window starts
      durationMs: 10_000,
      count: 3,
      errors: 1,
      qualitySum: 0.9 + 0.4,
      qualityCount: 2,
      tokensSum: 2_000,
      satisfactionSum: 1,
      satisfactionCount: 1,
      dropped: 0,
    });
    expect(w.costUsdSum).toBeCloseTo(0.006, 12);
    expect(w.latency).toEqual([120, 480, 80].reduce(addValue, emptySketch()));
    expect(quantile(w.latency, 1)).toBe(480);

    await clock.advance(2_000); // 12 s
    reporter.record(sample(50));
    await clock.advance(8_000); // 20 s: second window
    await clock.advance(10_000); // 30 s: nothing recorded, nothing sent
    expect(sent().map((x) => [x.start - T0, x.durationMs, x.count])).toEqual([
      [0, 10_000, 3],
      [10_000, 10_000, 1],
    ]);
    expect(reporter.stats()).toEqual({ recorded: 4, dropped: 0, sentWindows: 2, failedWindows: 0, droppedWindows: 0, pendingWindows: 0 });
    await reporter.shutdown();
  });

  it('sends empty windows as heartbeats only when asked to', async () => {
    const { transport, sent } = recordingTransport();
    const { clock, reporter } = setup({ transport, sendEmptyWindows: true });
    await clock.advance(27_000); // 30 s
    expect(sent().map((w) => [w.start - T0, w.count])).toEqual([
      [0, 0],
      [10_000, 0],
      [20_000, 0],
    ]);
    await reporter.shutdown();
  });

  it.each([
    // each case: a sample record() must refuse without throwing
    { why: 'NaN latency', s: sample(Number.NaN) },
    { why: 'negative latency', s: sample(-5) },
    { why: 'infinite latency', s: sample(Number.POSITIVE_INFINITY) },
    { why: 'latency as a string', s: { latencyMs: '12', ok: true } as unknown as MetricSample },
    { why: 'missing latency', s: { ok: true } as unknown as MetricSample },
    { why: 'null instead of a sample', s: null as unknown as MetricSample },
    {
      why: 'a sample whose latency getter throws',
      s: Object.defineProperty({ ok: true }, 'latencyMs', {
        get() {
          throw new Error('boom');
        },
      }) as unknown as MetricSample,
    },
  ])('counts a bad sample as dropped, in stats and in the window ($why)', async ({ s }) => {
    const { transport, sent } = recordingTransport();
    const { clock, reporter } = setup({ transport });
    reporter.record(sample(10));
    expect(() => reporter.record(s)).not.toThrow();
    await clock.advance(7_000);
    expect(sent()).toMatchObject([{ count: 1, dropped: 1 }]);
    expect(reporter.stats()).toMatchObject({ recorded: 1, dropped: 1 });
    await reporter.shutdown();
  });

  it('ignores optional fields that are not finite numbers but keeps the sample', async () => {
    const { transport, sent } = recordingTransport();
    const { clock, reporter } = setup({ transport });
    reporter.record({ latencyMs: 10, ok: true, qualityScore: Number.NaN, costUsd: '0.5' as unknown as number, tokens: Number.POSITIVE_INFINITY, satisfaction: 0 });
    await clock.advance(7_000);
    expect(sent()).toMatchObject([{ count: 1, qualityCount: 0, qualitySum: 0, costUsdSum: 0, tokensSum: 0, satisfactionCount: 1, satisfactionSum: 0, dropped: 0 }]);
    await reporter.shutdown();
  });

  it('refuses bad options at creation, with the field named', () => {
    const { transport } = recordingTransport();
    expect(() => createReporter({ service: '', transport })).toThrow(/service/);
    expect(() => createReporter({ service: 'a', transport, windowMs: 0 })).toThrow(/windowMs/);
    expect(() => createReporter({ service: 'a', transport, maxPendingWindows: 1.5 })).toThrow(/maxPendingWindows/);
    expect(() => createReporter({ service: 'a', transport: {} as Transport })).toThrow(/transport/);
  });
});

describe('createReporter: delivery', () => {
  it('retries a failing transport with backoff, then gives up: failedWindows, onError, and the loss in the next window', async () => {
    let failing = true;
    const { transport, calls } = recordingTransport(() => {
      if (failing) throw new TransportError('server', 'POST /v1/metrics answered 503', { status: 503 });
    });
    const { clock, errors, reporter } = setup({ transport, maxAttempts: 3 });
    for (let i = 0; i < 4; i++) reporter.record(sample(20));
    await clock.advance(7_000); // 10 s: first attempt
    expect(calls).toHaveLength(1);
    await clock.advance(5_000); // backoff ≤ 100 ms, then ≤ 200 ms: all three attempts used
    expect(calls).toHaveLength(3);
    expect(reporter.stats()).toMatchObject({ sentWindows: 0, failedWindows: 1, dropped: 4, pendingWindows: 0 });
    expect(errors.map((e) => [e.code, e.windows])).toEqual([['send_failed', 1]]);
    expect(errors[0]!.message).toMatch(/search-api: 1 window\(s\) not delivered after 3 attempt\(s\): POST \/v1\/metrics answered 503/);

    failing = false;
    reporter.record(sample(30));
    await clock.advance(10_000); // 20 s: the next window carries the 4 lost samples
    expect(calls.at(-1)).toMatchObject([{ start: T0 + 10_000, count: 1, dropped: 4 }]);
    expect(reporter.stats()).toMatchObject({ recorded: 5, sentWindows: 1, failedWindows: 1 });
    await reporter.shutdown();
  });

  it('recovers when a retry succeeds, and honours Retry-After', async () => {
    const { transport, calls } = recordingTransport((call) => {
      if (call === 1) throw new TransportError('rate_limited', '429', { status: 429, retryAfterMs: 800 });
    });
    const { clock, errors, reporter } = setup({ transport });
    reporter.record(sample(20));
    await clock.advance(7_000);
    await clock.advance(799); // Retry-After not yet over (the backoff alone would be ≤ 100 ms)
    expect(calls).toHaveLength(1);
    await clock.advance(1);
    expect(calls).toHaveLength(2);
    expect(reporter.stats()).toMatchObject({ sentWindows: 1, failedWindows: 0 });
    expect(errors).toEqual([]);
    await reporter.shutdown();
  });

  it('does not retry what the receiver refused (401): one call, send_rejected', async () => {
    const { transport, calls } = recordingTransport(() => {
      throw new TransportError('auth', 'POST /v1/metrics answered 401', { status: 401 });
    });
    const { clock, errors, reporter } = setup({ transport });
    reporter.record(sample(20));
    await clock.advance(27_000); // 30 s: three windows closed
    // One call per window, no retries; each later window carries the loss onward (count 0, dropped 1),
    // so whichever window finally gets through tells the monitor.
    expect(calls.map(([w]) => [w!.start - T0, w!.count, w!.dropped])).toEqual([
      [0, 1, 0],
      [10_000, 0, 1],
      [20_000, 0, 1],
    ]);
    expect(errors.map((e) => e.code)).toEqual(['send_rejected', 'send_rejected', 'send_rejected']);
    expect(reporter.stats()).toMatchObject({ failedWindows: 3, dropped: 1 });
    await reporter.shutdown();
  });

  it('when the queue is full drops the oldest window and reports it in the next window`s dropped (timeline: transport hangs 0–50 s)', async () => {
    let release: () => void = () => {};
    const hung = new Promise<void>((resolve) => (release = resolve));
    const { transport, calls } = recordingTransport((call) => (call === 1 ? hung : undefined), 1);
    const { clock, errors, reporter } = setup({ transport, maxPendingWindows: 2 });
    // Windows of 1, 2, 3, 4 samples closing at 10, 20, 30, 40 s.
    for (let w = 1; w <= 4; w++) {
      for (let i = 0; i < w; i++) reporter.record(sample(10 * w));
      await clock.advance(w === 1 ? 7_000 : 10_000);
    }
    // Window 1 is in flight; 2 and 3 filled the queue; closing 4 pushed 2 out.
    expect(reporter.stats()).toMatchObject({ pendingWindows: 3, droppedWindows: 1, dropped: 2 });
    expect(errors.map((e) => e.code)).toEqual(['window_dropped']);
    expect(errors[0]!.message).toMatch(/send queue full \(2 windows\), dropped the window of 2023-11-14T22:13:30.000Z \(2 samples\)/);

    reporter.record(sample(50));
    release();
    await clock.advance(10_000); // 50 s: everything goes out
    expect(calls.flat().map((w) => [w.start - T0, w.count, w.dropped])).toEqual([
      [0, 1, 0],
      [20_000, 3, 0],
      [30_000, 4, 0],
      [40_000, 1, 2], // the open window when window 2 was dropped carries its 2 samples
    ]);
    expect(reporter.stats()).toMatchObject({ sentWindows: 4, droppedWindows: 1, pendingWindows: 0 });
    await reporter.shutdown();
  });

  it('never throws from record(), even when the transport throws synchronously and onError throws too', async () => {
    const transport: Transport = {
      maxBatch: 1,
      send() {
        throw new Error('transport exploded');
      },
    };
    const clock = new FakeClock(T0);
    const reporter = createReporter({
      service: 'search-api',
      transport,
      clock,
      maxAttempts: 2,
      retryBaseMs: 10,
      onError: () => {
        throw new Error('handler exploded too');
      },
    });
    for (let t = 0; t < 5; t++) {
      expect(() => {
        for (let i = 0; i < 100; i++) reporter.record(sample(i));
      }).not.toThrow();
      await clock.advance(10_000);
    }
    await clock.advance(1_000); // the last window's retry
    expect(reporter.stats()).toMatchObject({ recorded: 500, dropped: 500, failedWindows: 5, sentWindows: 0 });
    const shutdown = reporter.shutdown(); // sends the window carrying the loss: fails too, after its retry
    await clock.advance(1_000);
    await expect(shutdown).resolves.toBeUndefined();
    expect(reporter.stats()).toMatchObject({ failedWindows: 6, pendingWindows: 0 });
  });

  it('batches a backlog up to the transport`s maxBatch, oldest first', async () => {
    let release: () => void = () => {};
    const hung = new Promise<void>((resolve) => (release = resolve));
    const { transport, calls } = recordingTransport((call) => (call === 1 ? hung : undefined), 3);
    const { clock, reporter } = setup({ transport });
    for (let w = 0; w < 6; w++) {
      reporter.record(sample(10));
      await clock.advance(w === 0 ? 7_000 : 10_000);
    }
    release();
    await clock.advance(0);
    expect(calls.map((batch) => batch.map((w) => (w.start - T0) / 10_000))).toEqual([[0], [1, 2, 3], [4, 5]]);
    await reporter.shutdown();
  });
});

describe('createReporter: flush and shutdown', () => {
  it('shutdown() closes the partial window and sends it; later samples are dropped; no timer is left', async () => {
    const { transport, sent } = recordingTransport();
    const { clock, reporter } = setup({ transport });
    reporter.record(sample(15));
    await clock.advance(2_000); // 5 s
    await reporter.shutdown();
    expect(sent()).toMatchObject([{ start: T0, durationMs: 5_000, count: 1 }]);
    reporter.record(sample(15));
    expect(reporter.stats()).toMatchObject({ recorded: 1, dropped: 1, sentWindows: 1, pendingWindows: 0 });
    expect(clock.pending()).toEqual([]);
    await reporter.shutdown(); // idempotent
    expect(sent()).toHaveLength(1);
  });

  it('shutdown() gives up after its timeout and reports the unsent windows', async () => {
    const { transport } = recordingTransport(() => new Promise<void>(() => {}), 1);
    const { clock, errors, reporter } = setup({ transport, shutdownTimeoutMs: 2_000 });
    reporter.record(sample(15));
    await clock.advance(7_000); // 10 s: window 1 in flight forever
    reporter.record(sample(15));
    let done = false;
    const shutdown = reporter.shutdown().then(() => (done = true));
    await clock.advance(1_999);
    expect(done).toBe(false);
    await clock.advance(1);
    await shutdown;
    expect(errors.map((e) => [e.code, e.windows])).toEqual([['shutdown_timeout', 1]]);
    expect(errors[0]!.message).toMatch(/1 window\(s\) unsent; 1 more in flight/);
    expect(reporter.stats()).toMatchObject({ failedWindows: 1, dropped: 1 });
  });

  it('flush() sends the partial window now and later windows still end on the boundary', async () => {
    const { transport, sent } = recordingTransport();
    const { clock, reporter } = setup({ transport });
    reporter.record(sample(15));
    await reporter.flush(); // at 3 s
    reporter.record(sample(25));
    await clock.advance(7_000); // 10 s
    expect(sent().map((w) => [w.start - T0, w.durationMs, w.count])).toEqual([
      [0, 3_000, 1],
      [3_000, 7_000, 1],
    ]);
    await reporter.shutdown();
  });

  it('unrefs every timer of normal operation; only an awaited flush/shutdown holds the process, and lets go after', async () => {
    const { transport } = recordingTransport((call) => {
      if (call === 1) throw new TransportError('server', '503');
    });
    const { clock, reporter } = setup({ transport });
    reporter.record(sample(15));
    await clock.advance(7_000); // window timer + a retry sleep
    await clock.advance(1_000);
    expect(clock.created.length).toBeGreaterThanOrEqual(3);
    expect(clock.created.filter((t) => t.keepAlive)).toEqual([]);
    await reporter.flush();
    await reporter.shutdown();
    expect(clock.created.filter((t) => t.keepAlive).length).toBe(2);
    expect(clock.pending()).toEqual([]);
  });

  describe('with the real clock', () => {
    afterEach(() => vi.restoreAllMocks());

    it('creates only unref`d timers, so a forgotten reporter never keeps the process alive', async () => {
      const handles: NodeJS.Timeout[] = [];
      const real = globalThis.setTimeout;
      vi.spyOn(globalThis, 'setTimeout').mockImplementation(((fn: () => void, ms?: number) => {
        const h = real(fn, ms);
        handles.push(h);
        return h;
      }) as typeof setTimeout);
      const { transport } = recordingTransport();
      const reporter = createReporter({ service: 'search-api', transport, windowMs: 10 });
      reporter.record(sample(1));
      await new Promise<void>((resolve) => real(resolve, 35));
      vi.restoreAllMocks();
      expect(handles.length).toBeGreaterThanOrEqual(3); // the first window timer and the ones after it
      expect(handles.every((h) => !h.hasRef())).toBe(true);
      await reporter.shutdown();
    });
  });
});

describe('createHttpTransport', () => {
  const window = (): WindowSummary => ({
    service: 'search-api',
    start: T0,
    durationMs: 10_000,
    count: 1,
    errors: 0,
    latency: addValue(emptySketch(), 12),
    qualitySum: 0,
    qualityCount: 0,
    costUsdSum: 0,
    tokensSum: 0,
    satisfactionSum: 0,
    satisfactionCount: 0,
    dropped: 0,
  });
  const TOKEN = 'vgl_secret_token_123';

  function fakeFetch(status: number, body = '', headers: Record<string, string> = {}) {
    const requests: Array<{ url: string; init: Parameters<FetchLike>[1] }> = [];
    const fetchImpl: FetchLike = async (url, init) => {
      requests.push({ url, init });
      return { ok: status >= 200 && status < 300, status, headers: { get: (n: string) => headers[n.toLowerCase()] ?? null }, text: async () => body };
    };
    return { fetchImpl, requests };
  }

  it('POSTs { windows } to <url>/v1/metrics with the bearer token', async () => {
    const { fetchImpl, requests } = fakeFetch(202);
    const t = createHttpTransport({ url: 'https://vigil.example.com/', token: TOKEN, fetchImpl, timeoutMs: 1_000 });
    await t.send([window(), window()]);
    expect(requests).toHaveLength(1);
    expect(requests[0]!.url).toBe('https://vigil.example.com/v1/metrics');
    expect(requests[0]!.init.method).toBe('POST');
    expect(requests[0]!.init.headers).toMatchObject({ authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' });
    expect(JSON.parse(requests[0]!.init.body)).toEqual({ windows: [window(), window()] });
  });

  it.each([
    // each case: status → reason and whether the reporter may retry
    { status: 400, reason: 'client', retryable: false }, // a body the API refuses will not get better
    { status: 401, reason: 'auth', retryable: false }, // wrong token
    { status: 403, reason: 'auth', retryable: false },
    { status: 404, reason: 'client', retryable: false }, // wrong URL
    { status: 413, reason: 'client', retryable: false },
    { status: 429, reason: 'rate_limited', retryable: true },
    { status: 500, reason: 'server', retryable: true },
    { status: 503, reason: 'server', retryable: true },
  ])('classifies $status as $reason (retryable: $retryable)', async ({ status, reason, retryable }) => {
    const { fetchImpl } = fakeFetch(status, 'nope');
    const t = createHttpTransport({ url: 'https://vigil.example.com', token: TOKEN, fetchImpl });
    const error = await t.send([window()]).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(TransportError);
    expect(error).toMatchObject({ reason, retryable, status });
  });

  it('passes Retry-After on 429 and 503', async () => {
    const { fetchImpl } = fakeFetch(429, '', { 'retry-after': '3' });
    const t = createHttpTransport({ url: 'https://vigil.example.com', token: TOKEN, fetchImpl });
    await expect(t.send([window()])).rejects.toMatchObject({ retryAfterMs: 3_000 });
  });

  it('treats a network error or timeout as retryable', async () => {
    const t = createHttpTransport({
      url: 'https://vigil.example.com',
      token: TOKEN,
      fetchImpl: async () => {
        throw Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError' });
      },
      timeoutMs: 250,
    });
    await expect(t.send([window()])).rejects.toMatchObject({ reason: 'network', retryable: true, message: expect.stringMatching(/no answer within 250 ms/) });
  });

  it('never puts the token or URL credentials in an error, even when the server or fetch echoes it', async () => {
    const echo = fakeFetch(400, `bad token ${TOKEN}`);
    const t1 = createHttpTransport({ url: 'https://user:pw@vigil.example.com', token: TOKEN, fetchImpl: echo.fetchImpl });
    const e1 = (await t1.send([window()]).catch((e: unknown) => e)) as Error;
    const t2 = createHttpTransport({
      url: 'https://vigil.example.com',
      token: TOKEN,
      fetchImpl: async () => {
        throw new Error(`connect failed for Bearer ${TOKEN}`);
      },
    });
    const e2 = (await t2.send([window()]).catch((e: unknown) => e)) as Error;
    for (const e of [e1, e2]) {
      expect(e.message).not.toContain(TOKEN);
      expect(e.message).not.toContain('pw@');
      expect(e.message).toContain('[redacted]');
    }
  });

  it('works end to end with the reporter: 503, 503, then 200 delivers the window once', async () => {
    const statuses = [503, 503, 200];
    const bodies: string[] = [];
    const fetchImpl: FetchLike = async (_url, init) => {
      bodies.push(init.body);
      const status = statuses.shift() ?? 200;
      return { ok: status === 200, status, headers: { get: () => null }, text: async () => '' };
    };
    const { clock, errors, reporter } = setup({ transport: createHttpTransport({ url: 'http://127.0.0.1:1', token: TOKEN, fetchImpl }) });
    reporter.record(sample(42));
    await clock.advance(7_000);
    await clock.advance(1_000);
    expect(bodies).toHaveLength(3);
    expect(reporter.stats()).toMatchObject({ sentWindows: 1, failedWindows: 0 });
    expect(errors).toEqual([]);
    await reporter.shutdown();
  });
});

describe('createTemporalTransport', () => {
  it('signal-with-starts monitor/<service> with the window signal, one call per window', async () => {
    const calls: unknown[][] = [];
    const client: MonitorSignalClient = {
      workflow: {
        signalWithStart: async (...args) => {
          calls.push(args);
        },
      },
    };
    const t = createTemporalTransport({ client, taskQueue: 'vigil-core' });
    expect(t.maxBatch).toBe(1);
    const summary = { service: 'search-api', start: T0, durationMs: 10_000, count: 0, errors: 0, latency: emptySketch(), qualitySum: 0, qualityCount: 0, costUsdSum: 0, tokensSum: 0, satisfactionSum: 0, satisfactionCount: 0, dropped: 0 };
    await t.send([summary]);
    expect(calls).toEqual([
      ['serviceMonitorWorkflow', { workflowId: 'monitor/search-api', taskQueue: 'vigil-core', args: [{ service: 'search-api' }], signal: 'window', signalArgs: [summary] }],
    ]);
  });

  it.each([
    // each case: gRPC status code of the failure → retryable?
    { code: 14, retryable: true }, // UNAVAILABLE: server restarting
    { code: 4, retryable: true }, // DEADLINE_EXCEEDED
    { code: 8, retryable: true }, // RESOURCE_EXHAUSTED: rate limited
    { code: 3, retryable: false }, // INVALID_ARGUMENT
    { code: 5, retryable: false }, // NOT_FOUND: namespace does not exist
    { code: 7, retryable: false }, // PERMISSION_DENIED
    { code: 16, retryable: false }, // UNAUTHENTICATED
  ])('gRPC code $code (wrapped as the client wraps it) is retryable: $retryable', async ({ code, retryable }) => {
    const client: MonitorSignalClient = {
      workflow: {
        signalWithStart: async () => {
          throw new Error('service error', { cause: Object.assign(new Error('grpc'), { code }) });
        },
      },
    };
    const t = createTemporalTransport({ client, taskQueue: 'vigil-core' });
    const summary = { service: 's', start: T0, durationMs: 1, count: 0, errors: 0, latency: emptySketch(), qualitySum: 0, qualityCount: 0, costUsdSum: 0, tokensSum: 0, satisfactionSum: 0, satisfactionCount: 0, dropped: 0 };
    await expect(t.send([summary])).rejects.toMatchObject({ retryable, message: expect.stringMatching(/signalWithStart monitor\/s failed/) });
  });

  it('accepts a real @temporalio/client Client', () => {
    expectTypeOf<Client>().toExtend<MonitorSignalClient>();
  });
});
