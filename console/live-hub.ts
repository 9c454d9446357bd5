import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Pool } from 'pg';
import type { VigilConfig } from '../domain/config';
import { incidentsChangedAfter, judge, liveExtras, windowsReceivedAfter, type CoarseBurnCache } from './data';
import { mergeByServiceStart } from './live-state';

/**
 * One reader of new metric windows (and incident changes) per API process, fanned out to every console stream: however many
 * browsers watch, Postgres sees one query per tick (and none while nobody watches). Reading the
 * stored windows rather than this process's ingest means every API replica sees every window.
 */
export interface LiveHub {
  /** Adds a Server-Sent Events stream, counted against `owner` (a session) if given; dropped when the connection closes. */
  attach(res: ServerResponse, owner?: string): void;
  clients(): number;
  /** Streams `owner` holds open now. */
  streamsOf(owner: string): number;
  close(): void;
}

export interface LiveHubOptions {
  pool: Pool;
  config: VigilConfig;
  logger: Logger;
  /** How often new windows are looked for, ms (default 1000: a window shows within about a second). */
  tickMs?: number;
  /** Comment line sent to idle streams so proxies keep them open, ms. */
  keepAliveMs?: number;
}

export function createLiveHub(o: LiveHubOptions): LiveHub {
  const streams = new Set<ServerResponse>();
  const owners = new Map<string, number>();
  const tickMs = o.tickMs ?? 1000;
  let since: Date | null = null;
  const seen = new Map<string, number>();
  let incidentsSince: Date | null = null;
  const incidentsSeen = new Map<string, number>();
  const burnCache: CoarseBurnCache = new Map();
  let timer: NodeJS.Timeout | undefined;
  let keepAlive: NodeJS.Timeout | undefined;
  let busy = false;

  const broadcast = (chunk: string) => {
    for (const s of streams) s.write(chunk);
  };

  async function tick(): Promise<void> {
    if (busy) return; // a slow database skips ticks rather than piling queries up
    busy = true;
    try {
      if (since === null || incidentsSince === null) since = incidentsSince = (await o.pool.query<{ now: Date }>('SELECT now() AS now')).rows[0]!.now;
      // Incident pages re-read their incident when its projection moves: one query per tick for every open page.
      const inc = await incidentsChangedAfter(o.pool, incidentsSince, incidentsSeen);
      incidentsSince = inc.last;
      if (inc.changes.length > 0) broadcast(`event: incidents\ndata: ${JSON.stringify({ sentAt: Date.now(), incidents: inc.changes })}\n\n`);
      const { rows, last } = await windowsReceivedAfter(o.pool, since, seen);
      since = last;
      if (rows.length === 0) return;
      const merged = mergeByServiceStart(rows);
      const states = judge(o.config, merged, await liveExtras(o.pool, o.config, [...new Set(merged.map((w) => w.service))], burnCache));
      // Serialised once for every stream.
      broadcast(`event: windows\ndata: ${JSON.stringify({ sentAt: Date.now(), services: states })}\n\n`);
    } catch (err) {
      o.logger.warn({ component: 'console', err }, 'live window stream: reading new windows failed; retrying next tick');
    } finally {
      busy = false;
    }
  }

  function start() {
    void tick(); // fixes "since" now, so a window stored after the first browser attached is not missed
    timer = setInterval(() => void tick(), tickMs);
    keepAlive = setInterval(() => broadcast(': keep-alive\n\n'), o.keepAliveMs ?? 15_000);
  }
  function stop() {
    clearInterval(timer);
    clearInterval(keepAlive);
    timer = keepAlive = undefined;
    since = incidentsSince = null; // a later first watcher starts from its own "now", not a stale backlog
    seen.clear();
    incidentsSeen.clear();
    burnCache.clear();
  }

  return {
    attach(res, owner) {
      streams.add(res);
      if (owner !== undefined) owners.set(owner, (owners.get(owner) ?? 0) + 1);
      res.write(`retry: 3000\nevent: hello\ndata: ${JSON.stringify({ clients: streams.size })}\n\n`);
      if (!timer) start();
      res.on('close', () => {
        streams.delete(res);
        if (owner !== undefined) {
          const n = (owners.get(owner) ?? 1) - 1;
          if (n > 0) owners.set(owner, n);
          else owners.delete(owner);
        }
        if (streams.size === 0) stop();
      });
    },
    clients: () => streams.size,
    streamsOf: (owner) => owners.get(owner) ?? 0,
    close() {
      stop();
      for (const s of streams) s.end();
      streams.clear();
    },
  };
}
