import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnVigil } from '../support/processes';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-oncall-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

// Berlin daily rotation starting Friday 2024-03-29; the clocks spring forward on Sunday 03-31.
const config = path.join(dir, 'vigil.config.yaml');
fs.writeFileSync(
  config,
  `users:
  alice: { notify: [console] }
  bob: { notify: [console] }
  carol: { notify: [console] }
schedules:
  primary:
    timezone: Europe/Berlin
    layers:
      - { name: rota, users: [alice, bob, carol], rotation: daily, start: 2024-03-29 }
`,
);
// Nothing listens here: the oncall commands must not need Postgres or Temporal.
const UNREACHABLE = { VIGIL_CONFIG: config, DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', TEMPORAL_ADDRESS: '127.0.0.1:1' };

describe('vigil oncall', () => {
  it.each([
    // each case: arguments, exit code, what the output must say
    [['who', '--schedule', 'primary', '--at', '2024-03-30T10:00'], 0, /^bob \(layer rota\) until 2024-03-31T09:00\+02:00$/m],
    [['shifts', '--schedule', 'primary', '--from', '2024-03-30T10:00', '--days', '2'], 0, /2024-03-31T09:00\+02:00\s+2024-04-01T09:00\+02:00\s+carol\s+rota/],
    [['who', '--schedule', 'secondary'], 2, /no schedule named "secondary" .*\(known: primary\)/],
    [['who', '--schedule', 'primary', '--at', 'soon'], 2, /--at: "soon" is not an ISO time/],
  ])('%j exits %i', async (args, code, says) => {
    const p = spawnVigil(['oncall', ...args], UNREACHABLE);
    expect((await p.exited).code, p.output()).toBe(code);
    expect(p.output()).toMatch(says);
  });
});
