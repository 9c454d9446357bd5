import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { connectServices, type Services } from '../support/integration';
import { spawnVigil } from '../support/processes';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver';

const SECRET = 'channels-test-webhook-secret';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-channels-'));
let receiver: WebhookReceiver;
let services: Services;

beforeAll(async () => {
  receiver = await startWebhookReceiver({ secret: SECRET });
  services = await connectServices();
});
afterAll(async () => {
  await receiver?.close();
  await services?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('vigil channels test', () => {
  it('sends a marked test notification through each channel and says, per channel, delivered or failed and why', async () => {
    const file = path.join(dir, 'vigil.config.yaml');
    fs.writeFileSync(
      file,
      stringify({
        channels: {
          hooks: { type: 'webhook', url: receiver.url },
          dead: { type: 'webhook', url: 'http://127.0.0.1:1/hook', timeout: '2s' },
        },
      }),
    );
    const p = spawnVigil(['channels', 'test'], { VIGIL_CONFIG: file, VIGIL_WEBHOOK_SECRET: SECRET });
    const { code } = await p.exited;
    expect(code).toBe(1);
    expect(p.output()).toMatch(/✔ hooks\s+delivered in \d+ ms/);
    expect(p.output()).toMatch(/✘ dead\s+failed \(delivery_network, retryable\)/);
    expect(p.output()).toMatch(/1 of 2 channel\(s\) failed/);
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]!.verified).toBe(true);
    expect(JSON.stringify(receiver.received[0]!.json)).toMatch(/TEST notification from Vigil/);
  });
});
