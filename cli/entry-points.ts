import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { createSlackIdentify } from '../app/auth/slack-identity';
import type { Logger } from 'pino';
import type { Pool } from 'pg';
import { createApiServer } from '../api/server';
import type { IncidentService } from '../app/incident-service';
import { createWindowForwarder } from '../app/monitor-client';
import type { VigilConfig } from '../domain/config';
import { createSlackApp, type SlackApp } from '../slack/app';

export interface EntryPointDeps {
  incidents: IncidentService;
  client: Client;
  pool: Pool;
  config: VigilConfig;
  env: NodeJS.ProcessEnv;
  logger: Logger;
}

/** The HTTP API with every optional route its secrets in the environment switch on (`vigil api` and `vigil dev` alike). */
export function createConfiguredApi(d: EntryPointDeps): FastifyInstance {
  return createApiServer({
    incidents: d.incidents,
    client: d.client,
    pool: d.pool,
    logger: d.logger,
    ...(d.env.VIGIL_ACTION_SECRET ? { actionSecret: d.env.VIGIL_ACTION_SECRET } : {}),
    ...(d.env.PAGERDUTY_WEBHOOK_SECRET ? { pagerDutyWebhookSecret: d.env.PAGERDUTY_WEBHOOK_SECRET } : {}),
    ...(d.env.ALERTMANAGER_TOKEN ? { alertmanagerToken: d.env.ALERTMANAGER_TOKEN } : {}),
    forwardWindows: createWindowForwarder(d.client, d.config.temporal.taskQueue),
    compliance: d.config.compliance,
    health: d.config.health,
    auth: d.config.auth,
  });
}

/** The Slack interactivity app when SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET are set, else undefined. */
export function createConfiguredSlackApp(d: Pick<EntryPointDeps, 'incidents' | 'env' | 'logger' | 'pool' | 'config'>): SlackApp | undefined {
  if (!d.env.SLACK_SIGNING_SECRET || !d.env.SLACK_BOT_TOKEN) return undefined;
  return createSlackApp({
    signingSecret: d.env.SLACK_SIGNING_SECRET,
    token: d.env.SLACK_BOT_TOKEN,
    ...(d.env.SLACK_API_URL ? { apiUrl: d.env.SLACK_API_URL } : {}),
    act: (id, action) => d.incidents.act(id, action),
    ...(d.config.auth.mode === 'keys' ? { identify: createSlackIdentify(d.pool, d.config.auth.slackUnmapped) } : {}),
    logger: d.logger.child({ component: 'slack' }),
  });
}
