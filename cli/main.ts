import { Command, CommanderError } from 'commander';
import { VigilError } from '../domain/errors';
import { registerAuditCommands } from './commands/audit';
import { registerChannelCommands } from './commands/channels';
import { registerComplianceCommands } from './commands/compliance';
import { registerConfigCommands } from './commands/config';
import { registerDemoCommand } from './commands/demo';
import { registerDetectCommand } from './commands/detect';
import { registerDevCommand } from './commands/dev';
import { registerExecCommands } from './commands/exec';
import { registerExperimentCommands } from './commands/experiments';
import { registerIncidentCommands } from './commands/incidents';
import { registerMigrateCommand } from './commands/migrate';
import { registerOncallCommands } from './commands/oncall';
import { registerSeedCommand } from './commands/seed';
import { registerServiceCommands } from './commands/services';
import { registerSilenceCommands } from './commands/silences';
import { registerSlaCommands } from './commands/sla';
import { registerTokenCommands } from './commands/tokens';
import { registerAccessCommands } from './commands/access';
import { registerTriggerCommand } from './commands/trigger';
import { createContext, type CliContext } from './context';
import { checkTextBeforeEveryAction } from './flags';

let context: CliContext | undefined;
// Config is loaded lazily but before any command does work, so a bad file fails every command the same way.
const ctx = () => (context ??= createContext());

const program = new Command('vigil')
  .description('Durable incident response for RAG services, on Temporal and Postgres')
  .showHelpAfterError()
  .exitOverride();
checkTextBeforeEveryAction(program);

registerDevCommand(program, ctx);
registerDemoCommand(program, ctx);
registerServiceCommands(program, ctx);
registerMigrateCommand(program, ctx);
registerIncidentCommands(program, ctx);
registerOncallCommands(program, ctx);
registerTriggerCommand(program, ctx);
registerSilenceCommands(program, ctx);
registerSlaCommands(program, ctx);
registerConfigCommands(program);
registerChannelCommands(program, ctx);
registerAuditCommands(program, ctx);
registerComplianceCommands(program, ctx);
registerTokenCommands(program, ctx);
registerAccessCommands(program, ctx);
registerDetectCommand(program);
registerExecCommands(program, ctx);
registerExperimentCommands(program, ctx);
registerSeedCommand(program, ctx);

program.parseAsync(process.argv).then(
  () => process.exit(0),
  (err: unknown) => {
    if (err instanceof CommanderError) process.exit(err.exitCode);
    if (err instanceof VigilError) {
      process.stderr.write(`vigil: ${err.message}\n`);
      process.exit(err.code === 'config_invalid' || err.code === 'invalid_input' ? 2 : 1);
    }
    process.stderr.write(`vigil: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
