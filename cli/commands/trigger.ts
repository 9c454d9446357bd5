import type { Command } from 'commander';
import { VigilError } from '../../domain/errors';
import { violationSchema } from '../../domain/violation';
import type { CliContext } from '../context';
import { withIncidents } from '../services';

/** `vigil trigger`: raise a test violation through the same path detectors use. */
export function registerTriggerCommand(program: Command, ctx: () => CliContext): void {
  program
    .command('trigger')
    .description('raise a test SLA violation (a new incident, or an occurrence of the open one)')
    .option('--service <name>', 'service name', 'demo-rag')
    .option('--kind <kind>', 'violation kind', 'response_time_sla')
    .option('--dimension <text>', 'what within the service', 'p95')
    .option('--severity <level>', 'critical|high|medium|low|info', 'high')
    .option('--title <text>', 'one-line summary', 'p95 response time 2350 ms > 2000 ms')
    .option('--current <number>', 'measured value', '2350')
    .option('--threshold <number>', 'SLA threshold', '2000')
    .option('--unit <unit>', 'unit of current/threshold', 'ms')
    .option('--impact <text>', 'who is affected', 'Slow answers for all users of the service')
    .action(async (o: Record<string, string>) => {
      const parsed = violationSchema.safeParse({
        service: o.service,
        kind: o.kind,
        dimension: o.dimension,
        severity: o.severity,
        title: o.title,
        current: Number(o.current),
        threshold: Number(o.threshold),
        unit: o.unit,
        impact: o.impact,
      });
      if (!parsed.success) {
        throw new VigilError('invalid_input', parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('\n'));
      }
      const r = await withIncidents(ctx(), (s) => s.raise(parsed.data));
      console.log(`${r.workflowId} (run ${r.runId})`);
    });
}
