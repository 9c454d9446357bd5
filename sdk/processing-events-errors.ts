/** A field the event (or the API) found wrong, e.g. `{ field: 'actor.id', message: 'give the actor id' }`. */
export interface FieldIssue {
  field: string;
  message: string;
}

/**
 * What went wrong with processing events. emit() throws `invalid_event` (a field is wrong),
 * `wrong_system` (the event names another system than the emitter's token may report), `buffer_full`
 * (maxBuffered events already wait) and `closed` (after close()). onError is told `send_rejected`
 * (400/401/403/413 and other 4xx: the batch is dropped, `issues` says why), `send_failed` (retries
 * used up) and `internal` (an answer we could not read, or a bug of ours).
 */
export type EmitterErrorCode = 'invalid_event' | 'wrong_system' | 'buffer_full' | 'closed' | 'send_rejected' | 'send_failed' | 'internal';

/** An error of the processing-event emitter: a code, a message naming the fields, the events affected. */
export class EmitterError extends Error {
  constructor(
    readonly code: EmitterErrorCode,
    message: string,
    /** Events this error refused or dropped. */
    readonly events: number,
    readonly details: { issues?: FieldIssue[]; status?: number; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'EmitterError';
  }

  /** The fields named, for emit()'s validation errors and the API's 400s; empty otherwise. */
  get issues(): FieldIssue[] {
    return this.details.issues ?? [];
  }
}
