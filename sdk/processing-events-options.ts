// What the processing-event emitter is given and gives back, its settings with defaults, and the
// call-site validation of one event (pure: the emitter counts and buffers, this only judges).
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { processingEventSchema, type ProcessingEvent } from '../domain/compliance/event';
import { VigilError } from '../domain/errors';
import { systemClock, type ReporterClock } from './clock';
import { EmitterError, type FieldIssue } from './processing-events-errors';
import type { ProcessingEventResult } from './processing-events-http';
import type { FetchLike } from './transports/http';

/** An event as emit() takes it: id (default a random UUID), time (default now) and system (default the emitter's) may be left out. */
export type EmitEvent = Omit<z.input<typeof processingEventSchema>, 'id' | 'time' | 'system'> & { id?: string; time?: string | Date; system?: string };

/** How an emitter is set up; baseUrl, token and system are required. */
export interface ProcessingEventEmitterOptions {
  /** Base URL of the Vigil API, e.g. https://vigil.example.com. */
  baseUrl: string;
  /** The system's ingest token (`vigil tokens create --service <system>`); never shown in errors. */
  token: string;
  /** The system the token reports for; filled into events that leave it out. */
  system: string;
  fetch?: FetchLike;
  clock?: ReporterClock;
  /** Events per POST, at most 1000 (the API's limit); a full batch goes out at once. */
  maxBatch?: number;
  /** How long an event may wait for its batch to fill before it is sent anyway. */
  flushIntervalMs?: number;
  /** Events waiting or in flight before emit() throws `buffer_full`. */
  maxBuffered?: number;
  /** Retries of a batch after its first attempt, on 429, 5xx and network errors. */
  maxRetries?: number;
  /** First retry delay; doubles per retry (with jitter) up to retryMaxMs, which also caps Retry-After. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Per request. */
  timeoutMs?: number;
  /** Told about every dropped batch; must not throw (if it does, the error is swallowed). Default: console.warn. */
  onError?: (error: EmitterError) => void;
  /** Told the verdicts of every accepted batch, including those the timer sent, which no flush() returns. */
  onResults?: (results: ProcessingEventResult[]) => void;
}

/** What flush() found for the events waiting when it was called. */
export interface FlushResult {
  /** The API's verdict on each of them that got through, in emit order. */
  results: ProcessingEventResult[];
  /** How many of them were dropped; `errors` says why. */
  dropped: number;
  errors: EmitterError[];
}

/** Counters since the emitter was created. */
export interface EmitterStats {
  /** Events emit() accepted. */
  emitted: number;
  /** Events emit() threw on (invalid, another system, buffer full, closed). */
  refused: number;
  /** Events the API accepted, and how many of those broke at least one rule. */
  sent: number;
  violations: number;
  /** Events given up on: refused by the API or retries used up. */
  dropped: number;
  /** Send attempts that failed and were tried again. */
  retries: number;
  /** Events waiting or in flight. */
  pending: number;
}

/** What createProcessingEventEmitter returns. */
export interface ProcessingEventEmitter {
  /** Validates and queues one event and returns its id; throws EmitterError, never sends in the caller's path. */
  emit(event: EmitEvent): string;
  /** Sends every waiting event now and resolves with their results; never rejects. */
  flush(): Promise<FlushResult>;
  /** Stops the timer, refuses further events and flushes; idempotent. */
  close(): Promise<void>;
  stats(): EmitterStats;
}

/** The API's limit on events per request. */
const MAX_BATCH = 1000;

function int(name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < min || value > max) throw new VigilError('invalid_input', `processing event emitter ${name} must be an integer from ${min} to ${max}, got ${value}`);
  return value;
}

/** The options with defaults filled in; throws VigilError on a bad one, at creation rather than at the first send. */
export function settings(o: ProcessingEventEmitterOptions) {
  if (typeof o.token !== 'string' || o.token.trim() === '') throw new VigilError('invalid_input', 'processing event emitter token must be a non-empty string');
  if (!URL.canParse(o.baseUrl)) throw new VigilError('invalid_input', `processing event emitter baseUrl must be an absolute URL, got ${JSON.stringify(o.baseUrl)}`);
  const system = processingEventSchema.shape.system.safeParse(o.system);
  if (!system.success) throw new VigilError('invalid_input', `processing event emitter system: ${system.error.issues[0]?.message ?? 'invalid'}`);
  const maxBatch = int('maxBatch', o.maxBatch ?? 500, 1, MAX_BATCH);
  return {
    system: system.data,
    maxBatch,
    flushIntervalMs: int('flushIntervalMs', o.flushIntervalMs ?? 1_000, 1),
    maxBuffered: int('maxBuffered', o.maxBuffered ?? 10_000, 1),
    maxRetries: int('maxRetries', o.maxRetries ?? 5, 0),
    retryBaseMs: int('retryBaseMs', o.retryBaseMs ?? 500, 1),
    retryMaxMs: int('retryMaxMs', o.retryMaxMs ?? 30_000, 1),
    clock: o.clock ?? systemClock,
    onError: o.onError ?? ((e: EmitterError) => console.warn(`vigil processing events: ${e.message}`)),
    onResults: o.onResults ?? (() => undefined),
  };
}

/** Settings as the emitter uses them. */
export type EmitterSettings = ReturnType<typeof settings>;

const issuesOf = (e: z.ZodError): FieldIssue[] => e.issues.map((i) => ({ field: i.path.length ? i.path.join('.') : '(root)', message: i.message }));
const listed = (issues: readonly FieldIssue[]): string => issues.map((i) => `${i.field}: ${i.message}`).join('; ');

/**
 * The event as it will be sent, id, time and system filled in; throws EmitterError `invalid_event`
 * (naming each bad field) or `wrong_system`. The id is made here, once, so retries reuse it.
 */
export function toEvent(input: EmitEvent, system: string, nowMs: number): ProcessingEvent {
  if (typeof input !== 'object' || input === null) throw new EmitterError('invalid_event', 'invalid processing event: (root): give an object', 1, { issues: [{ field: '(root)', message: 'give an object' }] });
  // An invalid Date goes to the schema as a string so the error names `time`, like any other bad field.
  const time = input.time instanceof Date ? (Number.isNaN(input.time.getTime()) ? 'Invalid Date' : input.time.toISOString()) : (input.time ?? new Date(nowMs).toISOString());
  const r = processingEventSchema.safeParse({ ...input, id: input.id ?? randomUUID(), time, system: input.system ?? system });
  if (!r.success) {
    const issues = issuesOf(r.error);
    throw new EmitterError('invalid_event', `invalid processing event: ${listed(issues)}`, 1, { issues });
  }
  if (r.data.system !== system) {
    const message = `this emitter (and its token) may report events of "${system}" only`;
    throw new EmitterError('wrong_system', `processing event ${r.data.id} is for system "${r.data.system}": ${message}`, 1, { issues: [{ field: 'system', message }] });
  }
  return r.data;
}
