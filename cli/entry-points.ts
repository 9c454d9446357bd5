import fs from 'node:fs';
import type { Client } from '@temporalio/client';
import { VigilError } from '../domain/errors';
import type { FastifyInstance } from 'fastify';
import { createSlackIdentify } from '../app/auth/slack-identity';
import type { Logger } from 'pino';
import type { Pool } from 'pg';
import { createApiServer } from '../api/server';
import { serviceOfDetail, type IncidentService } from '../app/incident-service';
import { createWindowForwarder } from '../app/monitor-client';
import type { VigilConfig } from '../domain/config';
import { createSlackApp, type SlackApp } from '../slack/app';

/** The PEM pair of config api.tls, read once at start; a missing or unreadable file is a clear start-up error. */
export function loadTls(config: VigilConfig): { cert: Buffer; key: Buffer } | undefined {
  const tls = config.api.tls;
  if (!tls) return undefined;
  const read = (what: string, file: string) => {
    try {
      return fs.readFileSync(file);
    } catch (err) {
      throw new VigilError('config_invalid', `api.tls.${what}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); give a readable PEM file, or remove api.tls to serve plain HTTP behind a TLS proxy`);
    }
  };
  return { cert: read('cert', tls.cert), key: read('key', tls.key) };
}

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
  const tls = loadTls(d.config);
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
    teams: d.config.teams,
    config: d.config,
    ...(tls ? { tls } : {}),
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
    ...(d.config.auth.mode === 'keys'
      ? {
          identify: createSlackIdentify(d.pool, d.config.auth.slackUnmapped, {
            config: d.config.teams,
            serviceOf: async (id) => serviceOfDetail(await d.incidents.show(id)),
          }),
        }
      : {}),
    logger: d.logger.child({ component: 'slack' }),
  });
}
