import os from 'node:os';
import type { Command } from 'commander';
import { recordDeploy } from '../../db/deploys';
import { deployInputSchema, deployTime } from '../../domain/deploys/deploy-input';
import { VigilError } from '../../domain/errors';
import type { CliContext } from '../context';
import { withCliPool } from '../cli-pool';

/** `vigil deploys record`: a CI step marks a deploy on the service's console charts. */
export function registerDeployCommands(program: Command, ctx: () => CliContext): void {
  const cmd = program.command('deploys').description('deploys drawn as markers on the console service charts');

  cmd
    .command('record')
    .description('record a deploy, e.g. --service checkout-rag --version v1.4.2 (idempotent on service, version and time)')
    .requiredOption('--service <name>', 'the service deployed')
    .requiredOption('--version <version>', 'the version deployed')
    .option('--at <time>', 'ISO-8601 time of the deploy (default now; at most 5 minutes ahead)')
    .option('--description <text>', 'what changed')
    .option('--by <who>', 'who records it', `cli:${os.userInfo().username}`)
    .action(async (o: { service: string; version: string; at?: string; description?: string; by: string }) => {
      const parsed = deployInputSchema.safeParse({ service: o.service, version: o.version, ...(o.at !== undefined ? { at: o.at } : {}), ...(o.description !== undefined ? { description: o.description } : {}) });
      // Named as the user typed them: the schema's fields are the flags' names.
      if (!parsed.success) throw new VigilError('invalid_input', parsed.error.issues.map((i) => `--${String(i.path[0] ?? 'input')}: ${i.message}`).join('\n'));
      const when = deployTime(parsed.data.at, Date.now());
      if ('error' in when) throw new VigilError('invalid_input', `--at: ${when.error}`);
      const { deploy, created } = await withCliPool(ctx, (pool) =>
        recordDeploy(pool, { service: parsed.data.service, version: parsed.data.version, at: new Date(when.t), description: parsed.data.description, recordedBy: o.by }),
      );
      console.log(`${created ? 'recorded' : 'already recorded'}: ${deploy.service} ${deploy.version} at ${deploy.at}`);
    });
}
