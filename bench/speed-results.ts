// bench/results/{latency,ingest,profile}.{md,json}: the incident path's latency, ingest and cost profile.
import fs from 'node:fs';
import path from 'node:path';
import type { IngestRouteResult } from './ingest';
import type { LatenessResult, OpenLoopResult } from './latency';
import type { HistoryProfile } from './profile';
import { machineInfo, RESULTS_DIR } from './results-file';
import type { LatencySummary } from './stats';

const cpuText = (cpu: Record<string, number>) => Object.entries(cpu).slice(0, 4).map(([k, v]) => `${k} ${v}`).join(', ') || 'n/a';
const pct = (l: LatencySummary) => `${l.p50} / ${l.p99} / ${l.max}`;

function write(name: string, md: string, json: object): string[] {
  const files = [path.join(RESULTS_DIR, `${name}.md`), path.join(RESULTS_DIR, `${name}.json`)];
  fs.writeFileSync(files[0]!, md);
  fs.writeFileSync(files[1]!, `${JSON.stringify({ benchmark: name, date: new Date().toISOString(), machine: machineInfo(), ...json }, null, 2)}\n`);
  return files;
}

function header(title: string): string {
  const m = machineInfo();
  return `# ${title}\n\n${new Date().toISOString()} · Node ${m.node} · ${m.cpus} × ${m.cpuModel} · ${m.memoryGiB} GiB · ${m.platform}\n\n`;
}

export interface LatencyReport {
  capacityPerSec: number;
  capacitySource: string;
  openLoop: OpenLoopResult[];
  lateness: LatenessResult;
}

export function writeLatency(r: LatencyReport): { text: string; files: string[] } {
  const rows = [
    '| open loop (Poisson, one worker) | ' + r.openLoop.map((o) => `${Math.round(o.share * 100)} % of capacity`).join(' | ') + ' |',
    '|---|' + r.openLoop.map(() => '--:').join('|') + '|',
    `| arrival rate target / achieved (incidents/s) | ${r.openLoop.map((o) => `${o.targetRate} / ${o.achievedRate}`).join(' | ')} |`,
    `| arrivals | ${r.openLoop.map((o) => o.arrivals).join(' | ')} |`,
    `| trigger → first page p50 / p99 / max (ms) | ${r.openLoop.map((o) => pct(o.firstPageMs)).join(' | ')} |`,
    `| raise() accepted p50 / p99 / max (ms) | ${r.openLoop.map((o) => pct(o.raiseMs)).join(' | ')} |`,
    `| unpaged / failed raises | ${r.openLoop.map((o) => `${o.unpaged} / ${o.failedRaises}`).join(' | ')} |`,
    `| CPU by process (% of one core) | ${r.openLoop.map((o) => cpuText(o.cpuByProcessPctOfOneCore)).join(' | ')} |`,
  ];
  const l = r.lateness;
  const late = [
    `| escalation timers (${l.open} incidents open) | value |`,
    '|---|--:|',
    `| level-2 delay (s) | ${l.level2DelayMs / 1000} |`,
    `| level-2 due times spread over (s) / rate falling due (per s) | ${(l.dueSpreadMs / 1000).toFixed(1)} / ${l.dueRatePerSec} |`,
    `| due → level-2 page p50 / p99 / max (ms) | ${pct(l.latenessMs)} |`,
    `| of which due → workflow task ran p50 / p99 / max (ms) | ${pct(l.dueToWorkflowMs)} |`,
    `| unpaged at level 2 | ${l.unpaged} |`,
    `| RSS before → with ${l.open} open (MiB) | ${l.rssMb.before} → ${l.rssMb.open} |`,
    `| worker RSS per open incident (MiB) | ${l.rssPerOpenIncidentMiB} |`,
    `| CPU by process while level 2 fired (% of one core) | ${cpuText(l.cpuByProcessPctOfOneCore)} |`,
  ];
  const text = `${rows.join('\n')}\n\n${late.join('\n')}\n`;
  const md = `${header('Latency benchmark: open-loop first page and escalation timer lateness')}Capacity: ${r.capacityPerSec} incidents/s (${r.capacitySource}).\n\n${text}
- Open loop: incidents arrive at exponential gaps (seeded) for the run's length whatever the system is doing; latency is measured from each incident's scheduled arrival, so a stalled client cannot hide a queue (no coordinated omission). One console channel paged at level 1.
- Timers: incidents opened with 100 raises in flight, level 2 at the delay above; lateness = the level-2 PAGE line (wall clock) − the level's dueAt (workflow time, from the 'escalated' timeline entry). Worker, API client and harness in one process; RSS per incident = (RSS with all open − RSS before opening) / incidents, after a full GC each.
- Goals (issue 13): at 50 % of capacity p99 trigger → first page ≤ 1 s; timer lateness p99 ≤ 1 s with 1,000 open.
`;
  return { text, files: write('latency', md, { ...r }) };
}

export function writeIngest(results: IngestRouteResult[]): { text: string; files: string[] } {
  const rows = [
    '| route (50 clients) | accepted/s | p50 / p99 / max (ms) | 429s | failed | busiest process | CPU by process (% of one core) |',
    '|---|--:|--:|--:|--:|---|---|',
    ...results.map((r) => `| POST ${r.route} | ${r.acceptedPerSec} | ${pct(r.latencyMs)} | ${r.throttled} | ${r.failed} | ${r.busiest} | ${cpuText(r.cpuByProcessPctOfOneCore)} |`),
  ];
  const text = `${rows.join('\n')}\n`;
  const md = `${header('Ingest benchmark: the API under 50 concurrent clients')}${text}
- One API process (Fastify, auth.mode none: bench/auth.ts prices API keys) and one core worker in the bench process; Temporal dev server and Postgres beside it. Each route runs for the same time; requests answered 429 (the ingest in-flight limit, 8 per API process) are retried after their Retry-After, as the SDK does, and not counted as accepted.
- /v1/incidents and /v1/alertmanager: every request a new incident (signal-with-start, then the worker pages it). /v1/metrics: one window per request over 200 services, stored in metric_windows and signalled to each service's monitor.
- "busiest process" is the one with the most CPU over the run: where the time went, not proof of the only limit.
${results.some((r) => r.firstFailure) ? `- First failures: ${results.filter((r) => r.firstFailure).map((r) => `${r.route}: ${r.firstFailure}`).join('; ')}\n` : ''}`;
  return { text, files: write('ingest', md, { results }) };
}

export interface ProfileReport {
  incidents: number;
  perIncident: HistoryProfile | null;
  statementsPerIncident: number;
  statementsByKind: Record<string, number>;
  cpuByProcessPctOfOneCore: Record<string, number>;
}

export function writeProfile(p: ProfileReport): { text: string; files: string[] } {
  const h = p.perIncident;
  const rows = [
    `| incident path profile (burst of ${p.incidents}, one console page each) | value |`,
    '|---|--:|',
    `| workflow tasks per incident | ${h?.workflowTasks ?? 'n/a'} |`,
    `| activities per incident | ${h ? Object.entries(h.activities).map(([k, v]) => `${k} ×${v}`).join(', ') || 'none' : 'n/a'} |`,
    `| local activities per incident | ${h?.localActivities ?? 'n/a'} |`,
    `| history events per incident | ${h?.historyEvents ?? 'n/a'} |`,
    `| events by type | ${h?.eventTypes ? Object.entries(h.eventTypes).map(([k, n]) => `${k.toLowerCase()} ${n}`).join(', ') : 'n/a'} |`,
    `| Postgres statements per incident (worker pool) | ${p.statementsPerIncident} |`,
    `| statements by kind (whole burst) | ${Object.entries(p.statementsByKind).map(([k, v]) => `${k} ${v}`).join(', ')} |`,
    `| CPU by process over the burst (% of one core) | ${cpuText(p.cpuByProcessPctOfOneCore)} |`,
  ];
  const text = `${rows.join('\n')}\n`;
  const md = `${header('Incident path profile')}${text}
- From the incidents benchmark's Vigil phase: the history of its first incident (pageStep pages each escalation step, by default as a local activity inside the workflow task that fires it, recorded as a marker) and every statement the worker's Postgres pool sent during the burst, divided by the incidents.
- Compare with the previous commit's file (git log -p bench/results/profile.md) after a change to the incident path.
`;
  return { text, files: write('profile', md, { ...p }) };
}
