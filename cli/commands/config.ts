import type { Command } from 'commander';
import { loadConfig } from '../../app/config-file';

/** `vigil config check [file]`: validate a config and show what it resolves to. */
export function registerConfigCommands(program: Command): void {
  program
    .command('config')
    .description('configuration tools')
    .command('check [file]')
    .description('validate vigil.config.yaml (or the given file) and print the effective settings')
    .action((file: string | undefined) => {
      const { config, source } = loadConfig(file ? { ...process.env, VIGIL_CONFIG: file } : process.env);
      console.log(`${source}: valid`);
      console.log(JSON.stringify({ channels: config.channels, escalationPolicies: config.escalationPolicies, incidents: config.incidents }, null, 2));
    });
}
