import { Command, CommanderError } from 'commander';
import { VigilError } from '../domain/errors';
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

type Register = (program: Command, ctx: () => CliContext) => void;

/**
 * The module behind each top-level command, in help order. A run loads only the one it names, so an
 * on-call engineer's `vigil incidents ack` does not wait for TensorFlow, Fastify and the worker to
 * load (about 1.5 s per run when every module loaded); help and unknown names load them all.
 */
const COMMANDS: Array<[names: string[], load: () => Promise<Register>]> = [
  [['dev'], async () => (await import('./commands/dev')).registerDevCommand],
  [['demo'], async () => (await import('./commands/demo')).registerDemoCommand],
  [['worker', 'api'], async () => (await import('./commands/services')).registerServiceCommands],
  [['migrate'], async () => (await import('./commands/migrate')).registerMigrateCommand],
  [['incidents'], async () => (await import('./commands/incidents')).registerIncidentCommands],
  [['oncall'], async () => (await import('./commands/oncall')).registerOncallCommands],
  [['trigger'], async () => (await import('./commands/trigger')).registerTriggerCommand],
  [['silences'], async () => (await import('./commands/silences')).registerSilenceCommands],
  [['deploys'], async () => (await import('./commands/deploys')).registerDeployCommands],
  [['sla'], async () => (await import('./commands/sla')).registerSlaCommands],
  [['config'], async () => (await import('./commands/config')).registerConfigCommands],
  [['channels'], async () => (await import('./commands/channels')).registerChannelCommands],
  [['audit'], async () => (await import('./commands/audit')).registerAuditCommands],
  [['compliance'], async () => (await import('./commands/compliance')).registerComplianceCommands],
  [['tokens'], async () => (await import('./commands/tokens')).registerTokenCommands],
  [['users', 'keys'], async () => (await import('./commands/access')).registerAccessCommands],
  [['detect'], async () => (await import('./commands/detect')).registerDetectCommand],
  [['exec'], async () => (await import('./commands/exec')).registerExecCommands],
  [['experiments'], async () => (await import('./commands/experiments')).registerExperimentCommands],
  [['seed'], async () => (await import('./commands/seed')).registerSeedCommand],
];

async function registerCommands(argv: string[]): Promise<void> {
  const named = argv.slice(2).find((a) => !a.startsWith('-'));
  const one = COMMANDS.find(([names]) => named !== undefined && names.includes(named));
  for (const [, load] of one ? [one] : COMMANDS) (await load())(program, ctx);
}

registerCommands(process.argv).then(() => program.parseAsync(process.argv)).then(
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
