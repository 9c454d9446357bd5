import os from 'node:os';
import type { Command } from 'commander';
import type { IncidentAction } from '../../app/incident-client';
import type { IncidentDetail } from '../../app/incident-service';
import { parseDuration } from '../../domain/duration';
import { VigilError } from '../../domain/errors';
import { formatMeasurement, toView } from '../../domain/incident-view';
import type { CliContext } from '../context';
import { withIncidents } from '../services';

const iso = (d: Date | number | null | undefined) => (d === null || d === undefined ? '-' : new Date(d).toISOString().replace('.000Z', 'Z'));
const defaultActor = () => `cli:${os.userInfo().username}`;

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

function printDetail(d: IncidentDetail): void {
  if (d.source === 'workflow') {
    const s = d.state;
    const v = toView(s);
    console.log(`${s.workflowId}  [${s.severity}] ${s.status}  (open, live from Temporal)`);
    console.log(`  ${s.service} ${s.kind}${s.dimension ? `/${s.dimension}` : ''}: ${s.title}`);
    const m = formatMeasurement(s.details);
    if (m) console.log(`  current: ${m}`);
    console.log(`  opened ${iso(s.openedAt)} · episode ${s.episode} · ${s.occurrences} occurrence(s) · ${v.level ?? 'not escalated yet'}`);
    if (v.uiUrl) console.log(`  Temporal UI: ${v.uiUrl}`);
    console.log('timeline:');
    for (const e of s.timeline) console.log(`  ${iso(e.at)}  ${e.type.padEnd(14)} ${e.text}`);
    if (s.timelineDropped) console.log(`  (${s.timelineDropped} older entries are in Postgres)`);
    return;
  }
  const r = d.row;
  console.log(`${r.workflow_id}  [${r.severity}] ${r.status}  (closed, from history)`);
  console.log(`  ${r.service} ${r.kind}: ${r.title}`);
  console.log(`  opened ${iso(r.opened_at)} · acknowledged ${iso(r.acknowledged_at)} by ${r.acknowledged_by ?? '-'} · resolved ${iso(r.resolved_at)} by ${r.resolved_by ?? '-'}`);
  console.log('timeline:');
  for (const e of d.events) console.log(`  ${iso(e.at)}  ${e.type.padEnd(14)} ${e.text}`);
}

/** `vigil incidents list|show|ack|resolve|snooze|escalate|note`. */
export function registerIncidentCommands(program: Command, ctx: () => CliContext): void {
  const inc = program.command('incidents').description('list, inspect and act on incidents');

  inc
    .command('list')
    .description('incidents newest first (open ones by default)')
    .option('--all', 'include resolved incidents')
    .option('--service <name>', 'only this service')
    .option('--limit <n>', 'at most this many', '50')
    .option('--json', 'print JSON')
    .action(async (o: { all?: boolean; service?: string; limit: string; json?: boolean }) => {
      const rows = await withIncidents(ctx(), (s) =>
        s.list({ status: o.all ? 'all' : 'open', limit: Number(o.limit), ...(o.service ? { service: o.service } : {}) }),
      );
      if (o.json) return console.log(JSON.stringify(rows, null, 2));
      if (rows.length === 0) return console.log(o.all ? 'No incidents yet.' : 'No open incidents.');
      console.log(
        table([
          ['FINGERPRINT', 'SEVERITY', 'STATUS', 'SERVICE', 'KIND', 'OPENED', 'TITLE'],
          ...rows.map((r) => [r.fingerprint, r.severity, r.status, r.service, r.kind, iso(r.opened_at), r.title]),
        ]),
      );
    });

  inc
    .command('show <id>')
    .description('one incident with its timeline (id: fingerprint or incident/<fingerprint>)')
    .option('--json', 'print JSON')
    .action(async (id: string, o: { json?: boolean }) => {
      const d = await withIncidents(ctx(), (s) => s.show(id));
      if (o.json) console.log(JSON.stringify(d, null, 2));
      else printDetail(d);
    });

  const action = (name: string, describe: string) =>
    inc.command(`${name} <id>`).description(describe).option('--by <who>', 'who is acting', defaultActor());
  const run = async (id: string, a: IncidentAction) => {
    const r = await withIncidents(ctx(), (s) => s.act(id, a));
    console.log(r.message);
  };

  action('ack', 'acknowledge: stop escalating').action((id: string, o: { by: string }) => run(id, { type: 'acknowledge', by: o.by }));
  action('resolve', 'resolve the incident')
    .option('--reason <text>', 'why it is resolved')
    .action((id: string, o: { by: string; reason?: string }) =>
      run(id, { type: 'resolve', by: o.by, ...(o.reason ? { reason: o.reason } : {}) }),
    );
  action('snooze', 'pause escalation for a while (counts as acknowledging)')
    .requiredOption('--for <duration>', 'e.g. 30m, 2h')
    .action((id: string, o: { by: string; for: string }) => {
      const ms = parseDuration(o.for);
      if (ms === undefined) throw new VigilError('invalid_input', `--for: "${o.for}" is not a duration (e.g. 30m, 2h)`);
      return run(id, { type: 'snooze', by: o.by, until: Date.now() + ms });
    });
  action('escalate', 'escalate to the next level now').action((id: string, o: { by: string }) => run(id, { type: 'escalate', by: o.by }));
  action('note', 'add a note to the timeline')
    .requiredOption('--text <text>', 'the note')
    .action((id: string, o: { by: string; text: string }) => run(id, { type: 'note', by: o.by, text: o.text }));
}
