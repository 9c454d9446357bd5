import type { DigestOutcome, MessageMemo, QueuedSend, SendOutcome } from '../../domain/delivery/channel-queue';
import type { IncidentGrouping } from '../../domain/delivery/grouping';
import type { IncidentState, RefreshReason } from '../../domain/incident-state';
import type { IncidentView } from '../../domain/incident-view';
import type { ProjectIncidentInput } from '../store/types';

/** One concrete send: a configured channel, maybe a personal address, and the key the ledger knows it by. */
export interface Delivery {
  /** Ledger target key: the channel name, or e.g. "oncall:primary/alice/email" for people. */
  key: string;
  channel: string;
  address?: string;
  /** Channel to try when this one keeps failing. */
  fallback?: string;
}

export interface PlanInput {
  view: IncidentView;
  step: string;
  targets: string[];
  /** Workflow time when the step fell due; the plan never judges silences earlier than this. */
  at?: number;
}

/** Either the step is muted (silence, inhibition) until a re-check, or here is who to send it to. */
export type DeliveryPlan =
  | { suppressed: { reason: string; recheckAt: number } }
  | { suppressed?: undefined; deliveries: Delivery[]; paged: string[] };

/** One notification: the incident as it is now, the escalation step, and one concrete delivery. */
export interface DeliverInput {
  view: IncidentView;
  step: string;
  /** Ledger target key (see Delivery.key). */
  target: string;
  /** Configured channel name; defaults to `target` (the channel-only form). */
  channel?: string;
  address?: string;
  /** The incident's storm grouping: a first page to a rate-limited channel may go out in a digest. */
  group?: IncidentGrouping;
  /**
   * How long to wait for another attempt that holds the ledger row (a step's send still going on
   * after its local pageStep returned) before refusing as busy: its outcome is then this result.
   */
  awaitHolderMs?: number;
}

/**
 * A delivery that happened (or had already happened: `duplicate`), or was put in its rate-limited
 * channel's queue (`queued`: the dispatcher reports the outcome later). Failures are thrown.
 */
export interface DeliverResult {
  detail: string;
  channelType: string;
  duplicate: boolean;
  queued?: boolean;
  ref?: Record<string, string>;
}

export interface RefreshInput {
  view: IncidentView;
  /** Ledger step of the direct refreshes; queued ones are keyed by the revision they end up showing. */
  step: string;
  reasons: RefreshReason[];
}

/** Direct refreshes done (or skipped by the channel for these reasons), and messages handed to their channel's queue. */
export interface RefreshResult {
  updated: number;
  queued: number;
  failures: Array<{ target: string; detail: string }>;
}

/** One queued send, with what the dispatcher remembers of the message it touches. */
export interface SendQueuedInput {
  send: QueuedSend;
  memo?: MessageMemo;
  /** The send's slot (epoch ms): the dispatcher starts a send a little early and it waits here, before touching anything. */
  notBefore?: number;
}

/** A first attempt that failed, as the retry stage classifies it (domain/delivery/retry.ts failureKind). */
export interface SentFailure {
  type: string | null;
  nonRetryable: boolean;
  message: string;
  retryAfterMs?: number;
}

/**
 * One escalation step: its targets, and the incident's projection to write while it is paged (of the
 * view, so it travels once). Workflows since 'page-step-v2' send the whole `state` instead of `view`:
 * the activity then also projects the state the step leaves behind (domain/delivery/step-paged.ts).
 */
export type PageStepInput = Omit<PlanInput, 'view'> & {
  group?: IncidentGrouping;
  projection?: Omit<ProjectIncidentInput, 'view'>;
  /**
   * Run as a local activity (it holds the workflow task): how long the first attempts may take. A
   * send still going on then is returned `pending` and goes on; the workflow awaits its outcome
   * with deliverNotification, which the ledger answers once that send is recorded.
   */
  budgetMs?: number;
} & ({ view: IncidentView; state?: undefined } | { state: IncidentState; view?: undefined });

/** The first attempt at one delivery of a step: its result, why it failed, or still going on when the step's budget ran out. */
export type FirstAttempt =
  | { delivery: Delivery; result: DeliverResult; failure?: undefined; pending?: undefined }
  | { delivery: Delivery; failure: SentFailure; result?: undefined; pending?: undefined }
  | { delivery: Delivery; pending: true; result?: undefined; failure?: undefined };

/** A step muted (nothing sent), or planned and tried once per delivery; `projected` says whether the projection was written. */
export type PageStepResult =
  | { suppressed: { reason: string; recheckAt: number }; projected: boolean }
  | {
      suppressed?: undefined;
      deliveries: Delivery[];
      paged: string[];
      outcomes: FirstAttempt[];
      projected: boolean;
      /** With `state` in the input: when the attempts were made (the timeline's time for them), and the seq the after-step projection reached. */
      at?: number;
      projectedThrough?: number;
    };

/** Activities that touch notification channels, all through the ledger; planning reads config and Postgres. */
export interface NotifyActivities {
  /** Plan + the first attempt of every delivery + projection, in one activity (one server round trip per step). */
  pageStep(input: PageStepInput): Promise<PageStepResult>;
  planDelivery(input: PlanInput): Promise<DeliveryPlan>;
  deliverNotification(input: DeliverInput): Promise<DeliverResult>;
  refreshMessages(input: RefreshInput): Promise<RefreshResult>;
}

/**
 * The dispatcher's one activity: a queued send (or a digest of first pages), classified instead of
 * thrown so the queue can order retries.
 */
export interface QueueActivities {
  sendQueued(input: SendQueuedInput): Promise<SendOutcome | DigestOutcome>;
}
