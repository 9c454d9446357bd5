import path from 'node:path';
import type { Command } from 'commander';
import type { CliContext } from '../context';
import { dataDir } from '../context';
import { startStack } from '../stack/stack';

function port(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const v = env[name];
  return v ? Number(v) : fallback;
}

/** Resolves when the process is asked to stop (Ctrl-C or SIGTERM). */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
}

/** `vigil dev`: the whole stack on embedded defaults, state kept in .vigil/dev across restarts. */
export function registerDevCommand(program: Command, ctx: () => CliContext): void {
  program
    .command('dev')
    .description('run everything locally: Postgres, Temporal dev server + Web UI, worker, API (Ctrl-C stops)')
    .action(async () => {
      const c = ctx();
      const env = c.env;
      const stack = await startStack({
        dataDir: path.join(dataDir(env), 'dev'),
        config: c.config,
        env,
        logger: c.logger,
        pgPort: port(env, 'VIGIL_PG_PORT', 54329),
        temporalPort: port(env, 'TEMPORAL_PORT', 7233),
        uiPort: port(env, 'TEMPORAL_UI_PORT', 8233),
        persistTemporal: true,
      });
      const lines = [
        '',
        'Vigil is running.',
        `  Temporal Web UI   ${stack.uiUrl ?? '(external cluster: use its UI)'}`,
        `  HTTP API          ${stack.apiUrl}   (try: curl ${stack.apiUrl}/healthz)`,
        `  Slack actions     ${stack.slackUrl ?? 'off (set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET)'}`,
        `  Temporal          ${stack.temporalAddress}`,
        `  Config            ${c.configSource}`,
        '',
        `Raise a test incident:  bin/vigil trigger --service checkout-rag`,
        `List open incidents:    bin/vigil incidents list`,
        'Ctrl-C stops everything; open incidents are still there next time.',
        '',
      ];
      process.stdout.write(lines.join('\n'));
      const signal = await untilSignal();
      c.logger.info({ signal }, 'stopping');
      await stack.stop();
    });
}
