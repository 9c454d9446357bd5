import type { Command } from 'commander';
import { loadConfig } from '../../app/config-file';
import { groupingFor, policyFor } from '../../app/incident-service';
import { configWarnings } from '../../domain/config-warnings';
import { describePosition } from '../../domain/escalation-policy';
import { formatDuration } from '../../domain/duration';
import { VigilError } from '../../domain/errors';
import { violationSchema } from '../../domain/violation';

/** `vigil config check [file]`: validate a config and show where a sample alert would be routed. */
export function registerConfigCommands(program: Command): void {
  program
    .command('config')
    .description('configuration tools')
    .command('check [file]')
    .description('validate vigil.config.yaml (or FILE) and print the routing of a sample alert')
    .option('--service <name>', 'sample alert: service', 'demo-rag')
    .option('--kind <kind>', 'sample alert: kind', 'response_time_sla')
    .option('--severity <level>', 'sample alert: severity', 'high')
    .option('--dimension <text>', 'sample alert: dimension', 'p95')
    .option('--label <k=v...>', 'sample alert: extra labels', [])
    .option('--json', 'print the whole effective config as JSON')
    .action((file: string | undefined, o: { service: string; kind: string; severity: string; dimension: string; label: string[]; json?: boolean }) => {
      const { config, source } = loadConfig(file ? { ...process.env, VIGIL_CONFIG: file } : process.env);
      if (o.json) return console.log(JSON.stringify(config, null, 2));
      const labels = Object.fromEntries(
        o.label.map((kv) => {
          const i = kv.indexOf('=');
          if (i < 1) throw new VigilError('invalid_input', `--label: "${kv}" is not name=value`);
          return [kv.slice(0, i), kv.slice(i + 1)];
        }),
      );
      const sample = violationSchema.safeParse({ service: o.service, kind: o.kind, severity: o.severity, dimension: o.dimension, title: 'sample', labels });
      if (!sample.success) throw new VigilError('invalid_input', sample.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('\n'));
      const { policyName, policy, matches } = policyFor(config, sample.data);
      console.log(`${source}: valid (${Object.keys(config.channels).length} channels, ${Object.keys(config.escalationPolicies).length} policies, ${Object.keys(config.users).length} users, ${Object.keys(config.schedules).length} schedules)`);
      for (const w of configWarnings(config)) console.log(`  warning: ${w.path}: ${w.message}`);
      console.log(`\nA ${o.severity} ${o.kind} alert for ${o.service}${o.label.length ? ` {${o.label.join(', ')}}` : ''}:`);
      for (const m of matches) console.log(`  matches ${m.path} → policy ${m.policy}`);
      const grouping = groupingFor(config, matches);
      if (o.severity === 'critical') console.log('  its pages are never grouped (critical)');
      else if (!grouping) console.log('  its first pages are never grouped into a digest (grouping: false)');
      else console.log(`  its first page joins a digest of ${grouping.key} when ${grouping.threshold}+ wait on a rate-limited channel (up to ${grouping.max}, wait ${formatDuration(grouping.waitMs)})`);
      console.log(`  escalates with ${policyName}:`);
      let at = 0;
      policy.levels.forEach((level, i) => {
        at += level.delay;
        console.log(`    ${describePosition({ pass: 0, level: i }).padEnd(8)} at +${formatDuration(at).padEnd(7)} → ${level.targets.join(', ')}`);
      });
      const repeat = policy.repeat === 'until-acknowledged' ? 'until acknowledged' : policy.repeat === 0 ? 'no repeat' : `${policy.repeat} more time(s)`;
      console.log(`    then ${repeat}${policy.repeat !== 0 ? ` after ${formatDuration(policy.repeatDelay)}` : ''}${policy.ackTimeout ? `; an ack lapses after ${formatDuration(policy.ackTimeout)}` : ''}`);
    });
}
