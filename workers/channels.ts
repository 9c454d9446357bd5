import type { Logger } from 'pino';
import { createConsoleNotifier } from '../activities/notify/console';
import type { Notifier } from '../activities/notify/notifier';
import { createSlackNotifier } from '../activities/notify/slack';
import type { VigilConfig } from '../domain/config';
import { VigilError } from '../domain/errors';

/** Builds one notifier per configured channel, taking secrets from the environment (never the file). */
export function buildNotifiers(config: VigilConfig, env: NodeJS.ProcessEnv, logger: Logger): Record<string, Notifier> {
  const out: Record<string, Notifier> = {};
  for (const [name, ch] of Object.entries(config.channels)) {
    switch (ch.type) {
      case 'console':
        out[name] = createConsoleNotifier(logger);
        break;
      case 'slack': {
        const token = env.SLACK_BOT_TOKEN;
        if (!token) {
          throw new VigilError('config_invalid', `channels.${name}: a Slack channel needs SLACK_BOT_TOKEN in the environment (a bot token, xoxb-…)`);
        }
        out[name] = createSlackNotifier({ token, channel: ch.channel, logger, ...(env.SLACK_API_URL ? { apiUrl: env.SLACK_API_URL } : {}) });
        break;
      }
    }
  }
  return out;
}
