import fs from 'node:fs';
import path from 'node:path';
import type { DirectModeResult } from './fanout-direct';
import type { FanoutResults } from './fanout';
import { RESULTS_DIR, machineInfo, type MachineInfo } from './results-file';

type Cells = string[];

/** The results file: the measurements plus what makes two runs comparable. */
export interface FanoutResultsFile extends FanoutResults {
  date: string;
  machine: MachineInfo;
  temporal: { server: string; sdk: string };
  notes: string[];
}

const fmt = (x: number, digits = 1): string => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');
const ratioOf = (b: number, a: number): number => (a > 0 ? b / a : Number.NaN);

/** Part 1: one column of values. */
export function escalationRows(r: FanoutResults): Cells[] {
  const e = r.escalation;
  const c = e.dueToSendByChannel;
  return [
    ['sends received / expected', `${e.received}/${e.expectedSends}${e.stalled ? ' (stalled)' : ''}`],
    ['throughput (sends/s, first raise → last send)', fmt(e.sendsPerSec)],
    ['all sends received after (s)', fmt(e.wallMs / 1000)],
    ['all raises accepted after (s)', fmt(e.raisesMs / 1000)],
    ['due → send received p50 (ms)', fmt(e.dueToSendMs.p50)],
    ['due → send received p99 (ms)', fmt(e.dueToSendMs.p99)],
    ['due → send received max (ms)', fmt(e.dueToSendMs.max)],
    ['due → send p99 webhook / PagerDuty / Slack (ms)', `${fmt(c.hook.p99)} / ${fmt(c.pd.p99)} / ${fmt(c.slack.p99)}`],
    ['raise → due p50 / p99 (ms)', `${fmt(e.raiseToDueMs.p50)} / ${fmt(e.raiseToDueMs.p99)}`],
    ['raise → send received p50 / p99 (ms)', `${fmt(e.raiseToSendMs.p50)} / ${fmt(e.raiseToSendMs.p99)}`],
    ['retried / unsent ledger rows; notify_failed; resends; step mismatches', `${e.ledger.retried} / ${e.ledger.notSent}; ${e.notifyFailed}; ${e.duplicates}; ${e.stepMismatches}`],
    ['CPU: bench process (% of 1 core) / machine busy (%)', `${e.cpu.processPctOfOneCore} / ${e.cpu.machineBusyPct} of ${e.cpu.cores} cores`],
    ['CPU by process (% of 1 core)', Object.entries(e.cpu.byProcessPctOfOneCore).slice(0, 3).map(([k, v]) => `${k} ${v}`).join(', ') || 'n/a'],
    ['per incident: workflow tasks / activities', e.perIncident ? `${e.perIncident.workflowTasks} / ${e.perIncident.activities.length}` : 'n/a'],
  ];
}

function modeCells(label: string, pick: (m: DirectModeResult) => number, ratio: number | null, r: FanoutResults, digits = 2): Cells {
  const d = r.direct;
  return [label, fmt(pick(d.direct), digits), fmt(pick(d.ledger), digits), ratio === null ? '' : fmt(ratio, 2)];
}

/** Part 2: send() alone vs deliverNotification(), and the ratio. */
export function directRows(r: FanoutResults): Cells[] {
  const d = r.direct;
  const ch = (m: DirectModeResult) => `${fmt(m.perChannel.hook.mean, 2)} / ${fmt(m.perChannel.pd.mean, 2)} / ${fmt(m.perChannel.slack.mean, 2)}`;
  const status = (m: DirectModeResult) => `${m.sent}/${m.requested}${m.failed ? `, ${m.failed} failed` : ''}${m.stalled ? ' (stalled)' : ''}`;
  return [
    modeCells('per send mean (ms)', (m) => m.latencyMs.mean, d.ratio.mean, r),
    modeCells('per send p50 (ms)', (m) => m.latencyMs.p50, null, r),
    modeCells('per send p99 (ms)', (m) => m.latencyMs.p99, d.ratio.p99, r),
    modeCells('throughput (sends/s)', (m) => m.sendsPerSec, d.ratio.sendsPerSec, r, 1),
    ['wall time per send at that throughput (ms)', fmt(1000 / d.direct.sendsPerSec, 3), fmt(1000 / d.ledger.sendsPerSec, 3), `+${fmt(1000 / d.ledger.sendsPerSec - 1000 / d.direct.sendsPerSec, 3)}`],
    ['mean webhook / PagerDuty / Slack (ms)', ch(d.direct), ch(d.ledger), ''],
    modeCells('bench-process CPU per send (ms)', (m) => m.processCpuMsPerSend, ratioOf(d.ledger.processCpuMsPerSend, d.direct.processCpuMsPerSend), r, 3),
    ['sent / requested', status(d.direct), status(d.ledger), ''],
  ];
}

function textTable(header: Cells, rows: Cells[]): string {
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...all.map((r) => (r[c] ?? '').length)));
  const line = (r: Cells) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function markdownTable(header: Cells, rows: Cells[]): string {
  const line = (r: Cells) => `| ${r.join(' | ')} |`;
  return [line(header), `|---|${header.slice(1).map(() => '--:').join('|')}|`, ...rows.map(line)].join('\n');
}

const ESCALATION_HEADER = (r: FanoutResults): Cells => [`fan-out via Temporal (${r.settings.incidents} incidents × 3 channels)`, 'value'];
const DIRECT_HEADER = (r: FanoutResults): Cells => [
  `ledger overhead, no Temporal (${r.direct.views * 3} sends, ${r.direct.concurrency} in flight)`,
  '(a) send()',
  '(b) deliverNotification()',
  'b/a',
];

const loadLine = (r: FanoutResults) =>
  `load avg (1/5/15 min): start ${r.load.start.join(' ')} · after fan-out ${r.load.afterEscalation.join(' ')} · end ${r.load.end.join(' ')}`;

/** The two plain-text tables for stdout. */
export function fanoutText(r: FanoutResults): string {
  return [
    textTable(ESCALATION_HEADER(r), escalationRows(r)),
    '',
    textTable(DIRECT_HEADER(r), directRows(r)),
    '',
    `Slack channel configured with ratePerSecond: ${r.settings.slackRatePerSecond} (its default of 1/s would dominate). ${loadLine(r)}`,
  ].join('\n');
}

/** The Markdown page. */
export function renderFanoutMarkdown(f: FanoutResultsFile): string {
  const m = f.machine;
  return [
    `# Fan-out benchmark: ${f.settings.incidents} open incidents × 3 loopback channels`,
    '',
    `${f.date} · Node ${m.node} · ${m.cpus} × ${m.cpuModel} · ${m.memoryGiB} GiB · ${m.platform} · Temporal SDK ${f.temporal.sdk}, ${f.temporal.server} · ${f.settings.concurrency} raise() calls in flight · Postgres pool ${f.settings.poolMax}`,
    '',
    markdownTable(ESCALATION_HEADER(f), escalationRows(f)),
    '',
    markdownTable(DIRECT_HEADER(f), directRows(f)),
    '',
    `${loadLine(f)}`,
    '',
    ...f.notes.map((n) => `- ${n}`),
    '',
  ].join('\n');
}

/** Writes fanout.json and fanout.md; returns their paths. */
export function writeFanoutResults(r: FanoutResults, extra: Pick<FanoutResultsFile, 'temporal' | 'notes'>): string[] {
  const file: FanoutResultsFile = { ...r, date: new Date().toISOString(), machine: machineInfo(), ...extra };
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const json = path.join(RESULTS_DIR, 'fanout.json');
  const md = path.join(RESULTS_DIR, 'fanout.md');
  fs.writeFileSync(json, `${JSON.stringify(file, null, 2)}\n`);
  fs.writeFileSync(md, renderFanoutMarkdown(file));
  return [json, md];
}

/** Notes for the results page: what was measured and how. */
export const fanoutNotes = (r: FanoutResults): string[] => [
  `Postgres pool: ${r.settings.poolMax} connections for the worker and for the direct comparison (as \`vigil worker\`). The ledger holds no connection during a provider's call: a send claims its row with a lease, sends, then records the result (an earlier version held a transaction across the send and deadlocked at pool exhaustion).`,
  'Channels: a signed webhook (test/support/webhook-receiver), PagerDuty Events v2 (test/support/fake-pagerduty, 32-char routing key) and Slack chat.postMessage (fake Slack) with ratePerSecond: 1000 set explicitly: Slack\'s default of 1/s would otherwise be the whole result. Slack still goes through its channel queue (the ChannelDispatcher workflow), as every rate-limited channel does.',
  'One policy level (delay 0) targets all three, so every incident is one escalation step with three sends. Fan-out incidents use their own task queue and services, apart from the incident benchmark\'s.',
  'Due time: the step\'s escalation dueAt (the \'escalated\' timeline entry\'s data.dueAt, read with the state query after the run): workflow time of the first workflow task. Received: Date.now() when the fake answered. Both epoch ms on one machine (workflow clock ≈ wall clock on the dev server).',
  'Sends/s: first-delivery count / (first raise() → last send received). Sends are matched to incidents by payload: webhook incident.workflowId, PagerDuty dedup_key, Slack button values.',
  'Ledger overhead: the same notifier objects the worker builds (workers/channels.ts), called directly in (a), through createNotifyActivities().deliverNotification() in (b) — the ledger\'s lease claim (one INSERT … ON CONFLICT) before the send and its mark (one UPDATE) after, no connection held across it; the channels without rate limits here, since a limited channel\'s sends join its dispatcher workflow\'s queue, which needs Temporal (the fan-out above measures that path). Fresh ledger keys every send. Rounds alternate the order (a b, b a, …), each after a full GC, following an unmeasured warm-up.',
  'Raise → due is the wait for the incident\'s first workflow task (where dueAt is taken); the rest of an incident\'s tasks go to the worker\'s sticky queue ahead of new incidents, so the raise backlog, not the sends, dominates end-to-end latency here.',
  'p99 at 50 sends in flight is dominated by whole-process pauses (GC, CPU contention) that delay every send in flight at once (the slowest sends come in runs of consecutive sends on all three channels), so its ratio is not a ledger cost; mean, throughput and CPU per send are.',
  'Worker, fakes and harness share one Node process; Postgres and the Temporal dev server run on the same machine. Load averages are printed because other processes may share the CPUs.',
];
