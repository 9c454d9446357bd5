import path from 'node:path';
import { ADMIN_KEY_FILE } from '../../app/auth/bootstrap';
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
  // The handlers stay installed while we shut down: under `npm start` a Ctrl-C arrives twice at
  // once (from the terminal and forwarded by npm), and with no handler left the second one would
  // kill us mid-shutdown with exit 130. A later Ctrl-C, after a moment, still forces the exit.
  return new Promise((resolve) => {
    let first = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      if (!first) {
        first = Date.now();
        resolve(signal);
      } else if (Date.now() - first > 1000) {
        process.exit(signal === 'SIGINT' ? 130 : 143);
      }
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
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
        `  API key (admin)   ${stack.adminKey ? `in ${path.join(dataDir(env), 'dev', ADMIN_KEY_FILE)}   (curl -H "Authorization: Bearer $(cat ${path.join(dataDir(env), 'dev', ADMIN_KEY_FILE)})" ${stack.apiUrl}/v1/incidents)` : 'none: authentication is OFF (auth.mode: none)'}`,
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
