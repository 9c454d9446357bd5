import type { Command } from 'commander';
import { slaStatus } from '../../app/monitor-client';
import { connectClient } from '../../app/temporal-connection';
import type { CliContext } from '../context';

/** `vigil sla status <service>`: the live verdict of a service's SLA monitor. */
export function registerSlaCommands(program: Command, ctx: () => CliContext): void {
  program
    .command('sla')
    .description('service SLAs')
    .command('status <service>')
    .description('{ sla_compliant, violations, compliance_score } from the service monitor, with every check')
    .option('--json', 'print JSON')
    .action(async (service: string, o: { json?: boolean }) => {
      const c = ctx();
      const client = await connectClient({ address: c.temporalAddress(), namespace: c.config.temporal.namespace }, c.env);
      try {
        const s = await slaStatus(client, service);
        if (o.json) return console.log(JSON.stringify(s, null, 2));
        console.log(`${service}: ${s.sla_compliant ? 'SLA met' : 'SLA BREACHED'} · compliance score ${(s.compliance_score * 100).toFixed(1)} % · ${s.windows} windows seen`);
        for (const ch of s.report?.checks ?? []) {
          const verdict = ch.breached === null ? 'no verdict (too little data)' : ch.breached ? 'BREACHED' : 'ok';
          console.log(`  ${ch.kind.padEnd(18)} ${verdict.padEnd(28)} ${ch.title}`);
        }
        if (s.openChecks.length) console.log(`  open incidents for: ${s.openChecks.join(', ')}`);
        if (s.burnFiring.length) console.log(`  error budget burning: ${s.burnFiring.join(', ')}`);
        if (s.droppedSamples) console.log(`  ${s.droppedSamples} samples dropped by the reporter (its buffer was full)`);
      } finally {
        await client.connection.close();
      }
    });
}
