/**
 * Storm grouping (Alertmanager's group_by/group_wait, PagerDuty's alert grouping): when several
 * incidents of one route wait behind a rate-limited channel, their first pages go out as one digest
 * message. Zod-free: workflow code imports these types.
 */

/** A route's grouping settings, as configured (`wait` already in milliseconds). */
export interface GroupingConfig {
  /** First pages of one group waiting at once before they go as one digest (at least 2). */
  threshold: number;
  /** Most incidents in one digest; more waiting go in the next one. */
  max: number;
  /** How long a group's first non-critical first page may be held to collect more (0: never held). */
  waitMs: number;
}

/** What an incident snapshots at raise time: its route's grouping, keyed by the route's path. */
export interface IncidentGrouping extends GroupingConfig {
  /** The deepest matching route's path, e.g. "routes.routes.0": incidents of one route group together. */
  key: string;
}

/**
 * On by default, and safe to be: with `waitMs` 0 a digest only merges first pages that are already
 * waiting behind the channel's rate limit, so grouping can only make a page go out earlier (one slot
 * for many), never later: no page of a burst starts later than without grouping (with pages arriving
 * over time, the line is never a slot behind; test/unit/channel-queue-digest.test.ts checks both). Holding pages to collect more (`wait`) is a
 * trade-off between one message and an earlier page, so it is opt-in.
 */
export const DEFAULT_GROUPING: GroupingConfig = { threshold: 5, max: 25, waitMs: 0 };

/**
 * Most incidents one digest can hold. Slack allows 50 blocks per message: a header, one section per
 * incident, a context line and the actions block leave room for 46; 45 keeps one spare. It also keeps
 * "Acknowledge all" carrying its members' ids in one button value (2000 characters): 45 ids of
 * `incident/<16 hex>` (25 characters) and commas make 1169.
 */
export const MAX_DIGEST_MEMBERS = 45;

/** The longest a route may hold first pages to collect a digest: a page held longer is a late page. */
export const MAX_GROUP_WAIT_MS = 300_000;
