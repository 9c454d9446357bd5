import type { Command } from 'commander';
import { ApplicationFailure } from '@temporalio/common';
import type { IncidentView } from '../../domain/incident-view';
import { VigilError } from '../../domain/errors';
import { buildNotifiers } from '../../workers/channels';
import type { CliContext } from '../context';

/** A clearly marked incident that no workflow owns: what `channels test` sends. */
export function testView(uiUrl: string | null): IncidentView {
  const now = Date.now();
  return {
    workflowId: `incident/test-${now}`,
    incidentId: `test-${now}`,
    fingerprint: 'test',
    service: 'vigil-test',
    kind: 'channel_test',
    dimension: '',
    severity: 'info',
    title: 'TEST notification from Vigil: no action needed',
    details: { impact: 'None: this checks that the channel reaches you.' },
    labels: { test: 'true' },
    status: 'triggered',
    openedAt: now,
    episode: 1,
    occurrences: 1,
    acknowledged: null,
    resolved: null,
    snoozedUntil: null,
    level: 'level 1',
    uiUrl,
    messages: [], revision: 1,
  };
}

/** `vigil channels test [--channel name]`: send a test notification through each channel, report per channel. */
export function registerChannelCommands(program: Command, ctx: () => CliContext): void {
  program
    .command('channels')
    .description('notification channels')
    .command('test')
    .description('send a clearly marked test notification through each configured channel (or one)')
    .option('--channel <name>', 'only this channel')
    .action(async (o: { channel?: string }) => {
      const c = ctx();
      const names = o.channel ? [o.channel] : Object.keys(c.config.channels);
      if (o.channel && !(o.channel in c.config.channels)) {
        throw new VigilError('invalid_input', `--channel: no channel "${o.channel}" (known: ${Object.keys(c.config.channels).join(', ')})`);
      }
      const notifiers = buildNotifiers(c.config, c.env, c.logger);
      const view = testView(null);
      let failed = 0;
      for (const name of names) {
        const started = Date.now();
        try {
          const r = await notifiers[name]!.send({ view, step: 'test', target: name });
          console.log(`✔ ${name.padEnd(20)} delivered in ${Date.now() - started} ms: ${r.detail}`);
        } catch (err) {
          failed++;
          const kind = err instanceof ApplicationFailure ? `${err.type ?? 'error'}${err.nonRetryable ? '' : ', retryable'}` : 'error';
          console.log(`✘ ${name.padEnd(20)} failed (${kind}): ${err instanceof Error ? err.message : String(err)}`);
        }
      }
      if (failed > 0) throw new VigilError('unavailable', `${failed} of ${names.length} channel(s) failed`);
    });
}
