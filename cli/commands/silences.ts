import os from 'node:os';
import type { Command } from 'commander';
import { createSilenceService } from '../../app/silence-service';
import type { StoredSilence } from '../../db/silences';
import { VigilError } from '../../domain/errors';
import { formatMatcher } from '../../domain/matchers';
import { formatIssues } from '../../domain/config';
import { silenceInputSchema } from '../../domain/silence-input';
import type { CliContext } from '../context';
import { withCliPool } from '../cli-pool';

function print(s: StoredSilence): void {
  const tied = s.incidentWorkflowId ? ` (ends when ${s.incidentWorkflowId} resolves)` : '';
  console.log(`${s.id}  ${new Date(s.startsAt).toISOString()} → ${new Date(s.endsAt).toISOString()}${tied}`);
  console.log(`  ${s.matchers.map(formatMatcher).join(', ')}  — ${s.createdBy}: ${s.comment}`);
}

/** `vigil silences create|list|expire`: maintenance windows, Alertmanager-style. */
export function registerSilenceCommands(program: Command, ctx: () => CliContext): void {
  const cmd = program.command('silences').description('mute notifications for matching incidents for a while');
  const withService = <T>(fn: (s: ReturnType<typeof createSilenceService>) => Promise<T>) => withCliPool(ctx, (pool) => fn(createSilenceService(pool)));

  cmd
    .command('create')
    .description('create a silence, e.g. --matcher \'service="checkout-rag"\' --for 2h --comment "reindexing"')
    .option('--matcher <matcher...>', 'name="value", name!="value", name=~"regex" (repeatable)', [])
    .option('--incident <id>', 'silence one incident until it resolves')
    .option('--for <duration>', 'how long, e.g. 30m, 2h')
    .option('--until <time>', 'ISO-8601 end time (instead of --for)')
    .option('--starts <time>', 'ISO-8601 start time (default now)')
    .requiredOption('--comment <text>', 'why (shown in every muted incident)')
    .option('--by <who>', 'who creates it', `cli:${os.userInfo().username}`)
    .action(async (o: { matcher: string[]; incident?: string; for?: string; until?: string; starts?: string; comment: string; by: string }) => {
      const parsed = silenceInputSchema.safeParse({
        matchers: o.matcher,
        createdBy: o.by,
        comment: o.comment,
        ...(o.incident ? { incident: o.incident } : {}),
        ...(o.for ? { duration: o.for } : {}),
        ...(o.until ? { endsAt: o.until } : {}),
        ...(o.starts ? { startsAt: o.starts } : {}),
      });
      if (!parsed.success) throw new VigilError('invalid_input', formatIssues(parsed.error).join('\n'));
      print(await withService((s) => s.create(parsed.data)));
    });

  cmd
    .command('list')
    .description('running and upcoming silences')
    .option('--all', 'include expired ones')
    .action(async (o: { all?: boolean }) => {
      const list = await withService((s) => s.list(Boolean(o.all)));
      if (list.length === 0) return console.log('No silences.');
      list.forEach(print);
    });

  cmd
    .command('expire <id>')
    .description('end a silence now')
    .action(async (id: string) => {
      await withService((s) => s.expire(id, `cli:${os.userInfo().username}`));
      console.log(`expired ${id}`);
    });
}
