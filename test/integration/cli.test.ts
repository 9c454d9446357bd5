import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnVigil } from '../support/processes';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-cli-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function writeConfig(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

// An address nothing listens on: if a command got past config validation it would fail differently (and slowly).
const UNREACHABLE = { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', TEMPORAL_ADDRESS: '127.0.0.1:1' };

describe('vigil CLI with a bad config', () => {
  it.each([
    // each case: config text, what stderr must name
    ['escalationPolicies:\n  default:\n    levels:\n      - delay: 5 minutes\n        targets: [console]\n', /escalationPolicies\.default\.levels\.0\.delay: "5 minutes" is not a duration/],
    ['escalationPolicies:\n  default:\n    levels:\n      - delay: 0\n        targets: [pagerduty]\n', /escalationPolicies\.default\.levels\.0\.targets\.0: target "pagerduty" is not a configured channel/],
    ['channels:\n  team: { type: carrier-pigeon }\n', /channels\.team\.type/],
    ['incidents:\n  reopenWindow: [1]\n', /incidents\.reopenWindow/],
    ['api: { port: "eighty" }\n', /api\.port/],
    ['not: [valid\n', /is not valid YAML/],
  ])('worker exits 2 before starting anything: %#', async (text, expected) => {
    const file = writeConfig(`bad-${Math.random().toString(36).slice(2)}.yaml`, text);
    const p = spawnVigil(['worker'], { VIGIL_CONFIG: file, ...UNREACHABLE });
    const { code } = await p.exited;
    expect(code).toBe(2);
    expect(p.output()).toMatch(expected);
    expect(p.output()).not.toMatch(/worker polling|ECONNREFUSED/);
  });

  it('says which file is missing', async () => {
    const p = spawnVigil(['worker'], { VIGIL_CONFIG: path.join(dir, 'nope.yaml'), ...UNREACHABLE });
    expect((await p.exited).code).toBe(2);
    expect(p.output()).toMatch(/cannot read config file .*nope\.yaml: ENOENT/);
  });

  it('config check accepts a good file and prints how a sample alert escalates', async () => {
    const file = writeConfig('good.yaml', 'escalationPolicies:\n  default:\n    levels:\n      - { delay: 0, targets: [console] }\n      - { delay: 10m, targets: [console] }\n');
    const p = spawnVigil(['config', 'check', file], {});
    expect((await p.exited).code).toBe(0);
    expect(p.output()).toMatch(/valid/);
    expect(p.output()).toMatch(/matches routes → policy default/);
    expect(p.output()).toMatch(/level 2\s+at \+10m\s+→ console/);
  });

  it('rejects an invalid trigger with exit 2 naming the option', async () => {
    const p = spawnVigil(['trigger', '--severity', 'apocalyptic'], UNREACHABLE);
    expect((await p.exited).code).toBe(2);
    expect(p.output()).toMatch(/--severity/);
  });
});
