// Alert storm: N incidents raised as fast as the client can against a rate-limited Slack (the fake
// enforces the same limit with 429 + Retry-After, as Slack does) and an unlimited webhook, through one
// Vigil core worker. Measures pages/s on Slack against its limit, time to drain the storm, and
// raise → first page latency by severity on both channels (the webhook shows what the storm costs
// a channel that is not saturated). `BENCH_ONLY=storm npm run bench`.
import fs from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import pino from 'pino';
import { parseConfig } from '../app/config-file';
import { createIncidentService } from '../app/incident-service';
import { connectWorker } from '../app/temporal-connection';
import { createPool } from '../db/pool';
import { SEVERITY_RANK } from '../domain/severity';
import { violationSchema } from '../domain/violation';
import { startFakeSlack } from '../test/support/fake-slack';
import { startWebhookReceiver } from '../test/support/webhook-receiver';
import { createCoreWorker } from '../workers/core-worker';
import type { BenchEnvironment } from './environment';
import { runLimited } from './limiter';
import { machineInfo, RESULTS_DIR } from './results-file';
import { summarize, type LatencySummary } from './stats';

const SEVERITIES = ['critical', 'high', 'medium'] as const;
const SECRET = 'bench-storm-webhook-secret';
const TOKEN = 'xoxb-bench-storm';

/** One storm: how many incidents, against which Slack limit, with the default storm grouping or every page alone. */
export interface StormCase {
  incidents: number;
  ratePerSecond: number;
  grouping: boolean;
  /** Severities in raise order, repeated (default: critical, high, medium). */
  mix?: readonly string[];
}

export interface StormResult extends StormCase {
  /** Incidents whose first page reached Slack (alone or in a digest). */
  paged: number;
  /** Slack posts per second while the queue was saturated (from the 5th post to the last). */
  achievedPerSecond: number;
  /** achieved / limit: the goal is 1 ± 0.02. */
  rateRatio: number;
  /** First raise → last level-1 Slack post. */
  drainSeconds: number;
  posts: number;
  duplicates: number;
  rateLimitedAnswers: number;
  slackLatency: Record<string, LatencySummary>;
  webhookLatency: LatencySummary;
}

export interface StormOptions {
  client: Client;
  namespace: string;
  bundleCode: string;
  timeoutMs: number;
  log(line: string): void;
}

/** Every incident a Slack message names in its buttons (one for a single page, each member of a digest). */
function incidentIdsIn(blocks: unknown): string[] {
  return [...new Set(JSON.stringify(blocks ?? null).match(/incident\/[0-9a-f]{16}/g) ?? [])];
}

async function runCase(env: BenchEnvironment, o: StormOptions, c: StormCase, caseNo: number): Promise<StormResult> {
  const slack = await startFakeSlack({ token: TOKEN, rateLimit: { perSecond: c.ratePerSecond, burst: 3 } });
  const hooks = await startWebhookReceiver({ secret: SECRET });
  const pool = createPool(env.databaseUrl, 'vigil-bench-storm', 10);
  const config = parseConfig(
    {
      temporal: { address: env.temporalAddress, namespace: o.namespace, taskQueue: `bench-storm-${caseNo}-${Date.now()}` },
      channels: { slack: { type: 'slack', channel: `C0STORM${caseNo}`, ratePerSecond: c.ratePerSecond }, hook: { type: 'webhook', url: hooks.url } },
      escalationPolicies: { default: { levels: [{ delay: 0, targets: ['slack', 'hook'] }, { delay: '1h', targets: ['slack'] }] } },
      ...(c.grouping ? {} : { routes: { grouping: false } }),
    },
    'bench',
    {},
  );
  const connection = await connectWorker({ address: env.temporalAddress, namespace: o.namespace }, {});
  const worker = await createCoreWorker({
    connection,
    config,
    pool,
    logger: pino({ level: 'warn' }),
    env: { SLACK_BOT_TOKEN: TOKEN, SLACK_API_URL: slack.url, VIGIL_WEBHOOK_SECRET: SECRET },
    workflowBundle: { code: o.bundleCode },
  });
  const running = worker.run();
  const incidents = createIncidentService({ client: o.client, pool, config });
  const raisedAt = new Map<string, number>();
  const severityOf = new Map<string, string>();
  try {
    const t0 = Date.now();
    await runLimited(c.incidents, 50, async (i) => {
      const mix = c.mix ?? SEVERITIES;
      const severity = mix[i % mix.length]!;
      const at = Date.now();
      const r = await incidents.raise(violationSchema.parse({ service: 'storm-rag', kind: 'quality_sla', dimension: `c${caseNo}-${i}`, severity, title: `storm incident ${i}` }));
      raisedAt.set(r.workflowId, at);
      severityOf.set(r.workflowId, severity);
    });
    o.log(`storm ${c.incidents} @ ${c.ratePerSecond}/s: raised in ${Date.now() - t0} ms; waiting for Slack`);
    const firstPosts = () => slack.calls.filter((x) => x.method === 'chat.postMessage' && x.status === 200 && !x.error && x.args.thread_ts === undefined);
    const deadline = Date.now() + o.timeoutMs;
    let shown = 0;
    const pagedIds = () => new Set(firstPosts().flatMap((p) => incidentIdsIn(p.args.blocks)));
    while (pagedIds().size < c.incidents && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      const n = pagedIds().size;
      if (n - shown >= Math.max(10, c.incidents / 10)) {
        shown = n;
        o.log(`  ${n}/${c.incidents} posted after ${Math.round((Date.now() - t0) / 1000)} s`);
      }
    }
    const posts = firstPosts();
    const perIncident = new Map<string, number>();
    const slackLat: Record<string, number[]> = {};
    for (const p of posts) {
      for (const id of incidentIdsIn(p.args.blocks)) {
        perIncident.set(id, (perIncident.get(id) ?? 0) + 1);
        if (perIncident.get(id) === 1) (slackLat[severityOf.get(id)!] ??= []).push(p.at - raisedAt.get(id)!);
      }
    }
    const hookLat = hooks.received
      .filter((h) => (h.json as { event?: string } | null)?.event === 'incident.notify')
      .map((h) => h.at - raisedAt.get(String((h.json as { incident: { workflowId: string } }).incident.workflowId))!);
    const saturated = posts.slice(4);
    const span = saturated.length > 1 ? (saturated[saturated.length - 1]!.at - saturated[0]!.at) / 1000 : Number.NaN;
    const achieved = (saturated.length - 1) / span;
    return {
      ...c,
      achievedPerSecond: Math.round(achieved * 1000) / 1000,
      rateRatio: Math.round((achieved / c.ratePerSecond) * 1000) / 1000,
      drainSeconds: Math.round((posts[posts.length - 1]!.at - t0) / 100) / 10,
      posts: posts.length,
      paged: perIncident.size,
      duplicates: [...perIncident.values()].reduce((n, k) => n + k - 1, 0),
      rateLimitedAnswers: slack.calls.filter((x) => x.status === 429).length,
      slackLatency: Object.fromEntries(Object.entries(slackLat).sort(([a], [b]) => SEVERITY_RANK[b as 'high'] - SEVERITY_RANK[a as 'high']).map(([k, v]) => [k, summarize(v)])),
      webhookLatency: summarize(hookLat),
    };
  } finally {
    worker.shutdown();
    await running;
    await connection.close();
    await pool.end();
    await slack.close();
    await hooks.close();
  }
}

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** The results as a Markdown table (also printed). */
export function stormTable(results: StormResult[]): string {
  const rows = [
    '| storm | Slack limit | grouping | Slack posts (incidents paged) | posts/s achieved | ratio (goal 1 ± 0.02) | drain | duplicates | 429s | raise → Slack page p50 / p99 (critical · high · medium) | raise → webhook p50 / p99 |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...results.map((r) => {
      const lat = SEVERITIES.map((k) => (r.slackLatency[k] ? `${s(r.slackLatency[k]!.p50)} / ${s(r.slackLatency[k]!.p99)}` : '–')).join(' · ');
      return `| ${r.incidents} incidents | ${r.ratePerSecond}/s | ${r.grouping ? 'default (digests)' : 'off'} | ${r.posts} (${r.paged}) | ${r.achievedPerSecond} | ${r.rateRatio} | ${r.drainSeconds} s | ${r.duplicates} | ${r.rateLimitedAnswers} | ${lat} | ${r.webhookLatency.p50} ms / ${r.webhookLatency.p99} ms |`;
    }),
  ];
  return rows.join('\n');
}

/** Runs each storm case and writes bench/results/storm.{md,json}. */
export async function runStormBench(env: BenchEnvironment, o: StormOptions, cases: StormCase[]): Promise<number> {
  const results: StormResult[] = [];
  for (const [i, c] of cases.entries()) results.push(await runCase(env, o, c, i));
  const table = stormTable(results);
  process.stdout.write(`\n${table}\n\n`);
  const notes = [
    'One Vigil core worker in the bench process; Temporal dev server (in-memory) and embedded Postgres on the same 2-core machine.',
    'Slack is the loopback fake enforcing the configured limit itself (token bucket, burst 3, 429 + Retry-After beyond it), as Slack does; the webhook has no limit.',
    'Pages/s: first posts from the 5th (after the fake’s burst allowance) to the last, over that span. Drain: first raise → last first post.',
    'Latency: raise() call → the fake received the page (alone, or in a digest). Severities rotate critical, high, medium in raise order; the grouped storm is 1 critical in 20, the rest high and medium.',
    'Grouping default: first pages of non-critical incidents already waiting together on one route go out as one digest (threshold 5, up to 25); criticals always alone. With grouping the posts/s row counts digests.',
  ];
  const md = [`# Alert storm benchmark`, '', `${new Date().toISOString()} · ${machineInfo().cpus} CPUs · ${machineInfo().cpuModel} · node ${process.version}`, '', table, '', ...notes.map((n) => `- ${n}`), ''].join('\n');
  fs.writeFileSync(path.join(RESULTS_DIR, 'storm.md'), md);
  fs.writeFileSync(path.join(RESULTS_DIR, 'storm.json'), `${JSON.stringify({ benchmark: 'storm', date: new Date().toISOString(), machine: machineInfo(), notes, results }, null, 2)}\n`);
  o.log('bench: wrote bench/results/storm.md');
  return results.every((r) => r.paged === r.incidents && r.duplicates === 0 && (r.grouping || Math.abs(r.rateRatio - 1) <= 0.02)) ? 0 : 1;
}
