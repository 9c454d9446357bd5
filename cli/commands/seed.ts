import type { Command } from 'commander';
import type { Pool } from 'pg';
import { createForecastActivities } from '../../activities/analytics/forecast';
import { rollOneDay, rollOneHour } from '../../activities/analytics/rollups';
import { insertSeedIncidents } from '../../db/analytics/seed';
import { storeWindows } from '../../db/metric-windows';
import { DAY_MS, HOUR_MS, lastCompleteSlot, slotOf } from '../../domain/analytics/slots';
import { syntheticIncidents, syntheticServices, syntheticWindows } from '../../domain/analytics/synthetic';
import type { VigilConfig } from '../../domain/config';
import { VigilError } from '../../domain/errors';
import type { WindowSummary } from '../../domain/window-summary';
import { withCliPool } from '../cli-pool';
import type { CliContext } from '../context';

function intFlag(name: string, v: string, min: number, max: number): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < min || n > max) throw new VigilError('invalid_input', `--${name}: "${v}" must be a whole number from ${min} to ${max}`);
  return n;
}

export interface SeedOptions {
  days: number;
  services: number;
  seed: number;
  windowMs: number;
  now: number;
  log?: (line: string) => void;
}

/**
 * Fills metric_windows and incidents with synthetic history ending at `now`, then rolls every
 * complete hour and day of it (as the Schedules would have). Re-running adds nothing twice:
 * windows and incidents are keyed, and re-rolled slots are replaced.
 */
export async function seedHistory(pool: Pool, config: VigilConfig, o: SeedOptions): Promise<{ windows: number; incidents: number; hours: number; days: number }> {
  const log = o.log ?? (() => undefined);
  const from = slotOf(o.now - o.days * DAY_MS, 'hour');
  const to = Math.floor(o.now / o.windowMs) * o.windowMs;
  const services = syntheticServices(o.services, from, o.days);
  let windows = 0;
  for (const s of services) {
    let batch: WindowSummary[] = [];
    const flush = async () => {
      if (!batch.length) return;
      windows += (await storeWindows(pool, { reported: batch, sampled: [] }, async () => undefined)).stored.length;
      batch = [];
    };
    for (const w of syntheticWindows(s, from, to, o.seed, o.windowMs)) {
      batch.push(w);
      if (batch.length >= 1000) await flush();
    }
    await flush();
    log(`${s.service}: windows stored`);
  }
  const incidents = await insertSeedIncidents(pool, syntheticIncidents(services, from, to, o.seed));
  const deps = { pool, config };
  const lastHour = lastCompleteSlot(o.now, 'hour', 0);
  let hours = 0;
  for (let h = from; h <= lastHour; h += HOUR_MS, hours++) await rollOneHour(deps, h);
  log(`${hours} hours rolled up`);
  let days = 0;
  for (let d = slotOf(from, 'day') + DAY_MS; d + DAY_MS <= lastHour + HOUR_MS; d += DAY_MS, days++) await rollOneDay(deps, d);
  return { windows, incidents, hours, days };
}

/**
 * Forecasts every service as the daily Forecast workflow would (same activities, in process: the
 * seed needs no Temporal), so the dashboard's insights and capacity plans have content at once.
 */
export async function forecastHistory(pool: Pool, config: VigilConfig, now: number): Promise<{ services: number; recommendations: number; methods: Record<string, Record<string, string>> }> {
  const fc = createForecastActivities({ pool, config });
  const methods: Record<string, Record<string, string>> = {};
  const services = await fc.listForecastServices({ asOf: now });
  for (const service of services) methods[service] = (await fc.forecastService({ service, asOf: now })).methods;
  const { recommendations } = await fc.planCapacity({ asOf: now });
  return { services: services.length, recommendations, methods };
}

/** `vigil seed`: realistic synthetic history for the dev stack, so the executive numbers have content. */
export function registerSeedCommand(program: Command, ctx: () => CliContext): void {
  program
    .command('seed')
    .description('dev stack only: fill Postgres with synthetic history (seasonal traffic, a p95 drift, a cost step, incidents), roll it up and forecast it')
    .option('--days <n>', 'days of history, 1–90', '30')
    .option('--services <n>', 'services, 1–50', '5')
    .option('--seed <n>', 'random seed (same seed, same history)', '42')
    .option('--allow-any-database', 'seed even when DATABASE_URL points somewhere else than the dev stack')
    .action(async (o: { days: string; services: string; seed: string; allowAnyDatabase?: boolean }) => {
      const days = intFlag('days', o.days, 1, 90);
      const services = intFlag('services', o.services, 1, 50);
      const seed = intFlag('seed', o.seed, 0, 2 ** 31);
      const c = ctx();
      // Synthetic incidents and windows in a real deployment would be read as facts by its dashboards.
      if (c.env.DATABASE_URL && !o.allowAnyDatabase) {
        throw new VigilError('invalid_input', 'vigil seed writes synthetic history: it runs against the dev stack (`npm start`), not DATABASE_URL; pass --allow-any-database to insist');
      }
      const started = Date.now();
      const now = Date.now();
      const { r, f } = await withCliPool(ctx, async (pool) => {
        const r = await seedHistory(pool, c.config, { days, services, seed, windowMs: 300_000, now, log: (l) => process.stderr.write(`${l}\n`) });
        return { r, f: await forecastHistory(pool, c.config, now) };
      });
      process.stdout.write(`seeded ${r.windows} windows, ${r.incidents} incidents; rolled ${r.hours} hours and ${r.days} days; forecast ${f.services} services (7 and 30 days), ${f.recommendations} capacity recommendations; in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
      for (const [service, m] of Object.entries(f.methods)) process.stdout.write(`  ${service}: traffic 7 d by ${m.requests}, 30 d by ${m['requests@30d']}\n`);
      if (days < 28) process.stdout.write('  (forecasts with intervals need 28 days for 7 days ahead, 74 for 30: shorter history gets the seasonal-naive baseline)\n');
    });
}
