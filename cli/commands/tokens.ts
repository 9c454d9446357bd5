import type { Command } from 'commander';
import type { Pool } from 'pg';
import { createIngestToken, listIngestTokens, revokeIngestToken } from '../../db/ingest-tokens';
import { VigilError } from '../../domain/errors';
import { nameSchema } from '../../domain/names';
import type { CliContext } from '../context';
import { withCliPool } from '../cli-pool';

function serviceName(flag: string, value: string): string {
  const r = nameSchema.safeParse(value);
  if (!r.success) throw new VigilError('invalid_input', `${flag}: "${value}" ${r.error.issues[0]!.message}`);
  return r.data;
}

/** `vigil tokens create|list|revoke`: bearer tokens that let a service post to POST /v1/metrics. */
export function registerTokenCommands(program: Command, ctx: () => CliContext): void {
  const cmd = program.command('tokens').description('ingest tokens for POST /v1/metrics (one service each)');
  const withPool = <T>(fn: (pool: Pool) => Promise<T>) => withCliPool(ctx, fn);

  cmd
    .command('create')
    .description('create a token; it is printed once (stdout), only its hash is stored')
    .requiredOption('--service <name>', 'the service this token may report metrics for')
    .option('--name <label>', 'what the token is for, e.g. "checkout pods (prod)"', '')
    .action(async (o: { service: string; name: string }) => {
      const service = serviceName('--service', o.service);
      if (o.name.length > 200) throw new VigilError('invalid_input', '--name: at most 200 characters');
      const { token, record } = await withPool((pool) => createIngestToken(pool, service, o.name));
      // The token alone goes to stdout so `TOKEN=$(vigil tokens create ...)` works; the warning goes to stderr.
      process.stderr.write(
        `Created ingest token ${record.id} for service "${service}".\n` +
          'Store it now (e.g. in your secret manager): it is shown only this once and cannot be recovered.\n',
      );
      console.log(token);
    });

  cmd
    .command('list')
    .description('tokens with their id, service and state (never the token itself)')
    .option('--service <name>', 'only this service')
    .action(async (o: { service?: string }) => {
      const service = o.service === undefined ? undefined : serviceName('--service', o.service);
      const tokens = await withPool((pool) => listIngestTokens(pool, service));
      if (tokens.length === 0) return console.log('No ingest tokens.');
      for (const t of tokens) {
        const state = t.revokedAt === null ? 'active' : `revoked ${new Date(t.revokedAt).toISOString()}`;
        console.log(`${t.id}  ${t.service.padEnd(24)} ${state.padEnd(32)} created ${new Date(t.createdAt).toISOString()}${t.name ? `  ${t.name}` : ''}`);
      }
    });

  cmd
    .command('revoke <id>')
    .description('revoke a token now (requests using it get 401 from then on)')
    .action(async (id: string) => {
      const done = await withPool((pool) => revokeIngestToken(pool, id));
      if (!done) throw new VigilError('not_found', `No active ingest token ${id}. List tokens with \`vigil tokens list\`.`);
      console.log(`revoked ${id}`);
    });
}
