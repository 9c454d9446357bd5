import type { Logger } from 'pino';
import { createConsoleNotifier } from '../activities/notify/console';
import { createEmailNotifier } from '../activities/notify/email';
import type { Notifier } from '../activities/notify/notifier';
import { createSlackNotifier } from '../activities/notify/slack';
import { createPagerDutyNotifier } from '../activities/notify/pagerduty';
import { createTeamsNotifier } from '../activities/notify/teams';
import { createWebhookNotifier } from '../activities/notify/webhook';
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
      case 'email': {
        const host = env.SMTP_HOST;
        if (!host) throw new VigilError('config_invalid', `channels.${name}: email needs SMTP_HOST in the environment (and SMTP_PORT, SMTP_SECURE, SMTP_USER, SMTP_PASS, SMTP_FROM as your relay requires)`);
        const port = Number(env.SMTP_PORT ?? 587);
        if (!Number.isInteger(port) || port < 1 || port > 65535) throw new VigilError('config_invalid', `channels.${name}: SMTP_PORT must be a port number, got "${env.SMTP_PORT}"`);
        const smtp = { host, port, secure: env.SMTP_SECURE === 'true', ...(env.SMTP_USER ? { user: env.SMTP_USER } : {}), ...(env.SMTP_PASS ? { pass: env.SMTP_PASS } : {}), ...(env.SMTP_FROM ? { from: env.SMTP_FROM } : {}) };
        out[name] = createEmailNotifier(ch, { smtp, logger });
        break;
      }
      case 'pagerduty': {
        const routingKey = env[ch.routingKeyEnv];
        if (!routingKey) {
          throw new VigilError('config_invalid', `channels.${name}: set ${ch.routingKeyEnv} in the environment to the PagerDuty Events API v2 integration (routing) key`);
        }
        out[name] = createPagerDutyNotifier(ch, { routingKey, logger });
        break;
      }
      case 'teams': {
        const webhookUrl = env[ch.webhookUrlEnv];
        if (!webhookUrl) {
          throw new VigilError('config_invalid', `channels.${name}: set ${ch.webhookUrlEnv} in the environment to the Teams incoming webhook / Workflows URL`);
        }
        out[name] = createTeamsNotifier(ch, { webhookUrl, logger });
        break;
      }
      case 'webhook': {
        const url = ch.url ?? (ch.urlEnv ? env[ch.urlEnv] : undefined);
        if (!url) throw new VigilError('config_invalid', `channels.${name}: set ${ch.urlEnv ?? 'url or urlEnv'} (the environment variable holding the webhook URL)`);
        const secret = env[ch.secretEnv];
        if (!secret) {
          throw new VigilError('config_invalid', `channels.${name}: set ${ch.secretEnv} in the environment to the webhook signing secret (HMAC-SHA256)`);
        }
        out[name] = createWebhookNotifier(ch, { url, secret, logger });
        break;
      }
    }
  }
  return out;
}
