// The running silences, kept in memory by a worker and told of every change by Postgres: a trigger
// on `silences` (migration 023) notifies `vigil_silences` at commit, and the watch reads the table
// again. An escalation step then plans without a query of its own (one round trip fewer per page,
// bench/results/incidents.md); Alertmanager keeps its silences in memory for the same reason.
//
// When the copy is not known to be current it is not used: before the first read, after a
// notification until the read it caused has finished, while the listening connection is down, and
// while any silence is tied to an incident (its end depends on the incident's status, which this
// table does not show): then each step reads Postgres as before (activeSilences). A read is kept
// only if no notification arrived while it ran, so a silence saved during the read is never lost.
// What remains is the notification's own delay, the milliseconds between a silence's commit and
// its arrival: a step planned in between is planned as if it had started those milliseconds earlier.
import { Client, type Pool } from 'pg';
import type { Logger } from 'pino';
import { activeSilences, unendedSilences, type StoredSilence } from './silences';

export const SILENCES_CHANNEL = 'vigil_silences';

/** Where an escalation step's silences come from. */
export interface SilenceSource {
  /** The stored silences in force at `now`, as activeSilences(pool, now) returns them. */
  active(now: number): Promise<StoredSilence[]>;
}

export interface SilenceWatch extends SilenceSource {
  /** Whether the in-memory copy is current (false: steps read Postgres). */
  readonly live: boolean;
  /** Stops listening; active() reads Postgres from then on. */
  close(): Promise<void>;
}

export interface SilenceWatchOptions {
  pool: Pool;
  logger?: Pick<Logger, 'warn' | 'info'>;
  /** Delay before listening again after the connection is lost (doubles up to 30 s). */
  retryMs?: number;
}

/** Steps read Postgres directly: the behaviour without a watch. */
export const directSilences = (pool: Pool): SilenceSource => ({ active: (now) => activeSilences(pool, now) });

/**
 * A watch that starts listening on its first active() call (a worker that never plans a step holds
 * no extra connection) and answers from memory once its copy is current.
 */
export function createSilenceWatch(o: SilenceWatchOptions): SilenceWatch {
  const firstRetryMs = o.retryMs ?? 1000;
  let retryMs = firstRetryMs;
  let client: Client | undefined;
  let listening = false;
  let started = false;
  let closed = false;
  // Bumped by every notification and by every loss of the connection: a read that started under an
  // older generation is stale.
  let generation = 0;
  let copy: { generation: number; silences: StoredSilence[]; tied: boolean } | undefined;
  let reading: Promise<void> | undefined;
  let retryTimer: NodeJS.Timeout | undefined;

  const current = () => (listening && copy && copy.generation === generation && !copy.tied ? copy : undefined);

  function read(): void {
    if (reading || closed || !listening) return;
    const at = generation;
    // Every silence not yet ended, pending ones too (one starting later needs no read when it starts),
    // and tied ones whatever their incident's status, so that any of them sends steps to Postgres.
    reading = unendedSilences(o.pool, Date.now())
      .then(
        (silences) => {
          if (at === generation && listening) copy = { generation: at, silences, tied: silences.some((s) => s.incidentWorkflowId !== null) };
        },
        (err: unknown) => {
          o.logger?.warn({ err, retryInMs: firstRetryMs }, 'silences: reading them failed; steps read Postgres meanwhile');
          return 'failed' as const;
        },
      )
      .then((outcome) => {
        reading = undefined;
        if (!listening || closed || copy?.generation === generation) return;
        // A notification came during the read: read again at once; after a failure, in a while.
        if (outcome !== 'failed') return read();
        retryTimer = setTimeout(read, firstRetryMs);
        retryTimer.unref();
      });
  }

  function lost(err?: unknown): void {
    if (!listening && !client) return;
    listening = false;
    generation++;
    copy = undefined;
    const c = client;
    client = undefined;
    void c?.end().catch(() => undefined);
    if (closed) return;
    o.logger?.warn({ err, retryInMs: retryMs }, 'silences: lost the notification connection; steps read Postgres until it is back');
    retryTimer = setTimeout(() => void listen(), retryMs);
    retryTimer.unref();
    retryMs = Math.min(retryMs * 2, 30_000);
  }

  async function listen(): Promise<void> {
    if (closed) return;
    const c = new Client(o.pool.options);
    client = c;
    c.on('error', (err) => lost(err));
    c.on('end', () => lost());
    c.on('notification', (n) => {
      if (n.channel !== SILENCES_CHANNEL) return;
      generation++;
      copy = undefined;
      read();
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${SILENCES_CHANNEL}`);
    } catch (err) {
      lost(err);
      return;
    }
    if (closed || client !== c) return;
    // Unref'd: the watch alone must not keep a process alive.
    (c as unknown as { connection?: { stream?: { unref?: () => void } } }).connection?.stream?.unref?.();
    listening = true;
    retryMs = firstRetryMs;
    read();
  }

  return {
    get live() {
      return current() !== undefined;
    },
    async active(now) {
      if (!started) {
        started = true;
        void listen();
      }
      const c = current();
      if (!c) return activeSilences(o.pool, now);
      return c.silences.filter((s) => s.startsAt <= now && s.endsAt > now);
    },
    async close() {
      closed = true;
      clearTimeout(retryTimer);
      listening = false;
      copy = undefined;
      const c = client;
      client = undefined;
      await c?.end().catch(() => undefined);
      await reading;
    },
  };
}
