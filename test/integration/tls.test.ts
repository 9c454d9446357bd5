import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIncidentService } from '../../app/incident-service';
import { createConfiguredApi, createConfiguredSlackApp, loadTls } from '../../cli/entry-points';
import type { SlackApp } from '../../slack/app';
import { connectServices, silentLogger, testConfig, type Services } from '../support/integration';

// api.tls: the API and the Slack endpoint serve HTTPS from a PEM pair (a self-signed one made by openssl here).
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-tls-'));
const cert = path.join(dir, 'cert.pem');
const key = path.join(dir, 'key.pem');
let services: Services;
let api: FastifyInstance;
let slack: SlackApp;

beforeAll(async () => {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  services = await connectServices();
  const config = testConfig({ api: { host: '127.0.0.1', port: 0, tls: { cert, key } } }, services);
  const incidents = createIncidentService({ client: services.client, pool: services.pool, config });
  const deps = { incidents, client: services.client, pool: services.pool, config, env: { SLACK_BOT_TOKEN: 'xoxb-tls', SLACK_SIGNING_SECRET: 'tls-secret' }, logger: silentLogger };
  api = createConfiguredApi(deps);
  await api.listen({ host: '127.0.0.1', port: 0 });
  slack = createConfiguredSlackApp(deps)!;
  await slack.start(0, '127.0.0.1', loadTls(config));
});

afterAll(async () => {
  await slack?.stop();
  await api?.close();
  await services?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function get(port: number, urlPath: string, method = 'GET'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, path: urlPath, method, ca: fs.readFileSync(cert) }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('TLS', () => {
  it('the API answers over HTTPS with the configured certificate', async () => {
    const addr = api.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : 0;
    const r = await get(port, '/openapi.json');
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toHaveProperty('openapi');
  });

  it('the Slack endpoint answers over HTTPS (an unsigned request is refused, as over HTTP)', async () => {
    const r = await get(slack.port()!, '/slack/events', 'POST');
    expect(r.status).toBe(401);
  });

  it('a missing key file is a start-up error naming the key and what to do', () => {
    const config = testConfig({ api: { tls: { cert, key: path.join(dir, 'missing.pem') } } }, services);
    expect(() => loadTls(config)).toThrow(/api\.tls\.key: cannot read .*missing\.pem \(ENOENT\).*remove api\.tls/);
  });
});
