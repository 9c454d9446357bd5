import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnVigil } from '../support/processes';

// An address nothing listens on: a command that got past the flag check would fail differently (and slowly).
const UNREACHABLE = { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', TEMPORAL_ADDRESS: '127.0.0.1:1' };

const CONTROL = 'must not contain control characters';
const ONE_LINE = 'must be one line (no tabs or line breaks)';

// NUL and lone surrogates cannot reach a process through argv (C strings, UTF-8 decoding), so the
// hostile flags a shell can really pass are control characters (escape sequences) and line breaks.
describe('vigil CLI refuses hostile flag values with exit 2, naming the flag', () => {
  it.concurrent.for([
    // each case: what kind of flag, the arguments, the flag named and why
    { kind: 'actor', args: ['incidents', 'ack', 'abc', '--by', 'al\u001B[2Jice'], flag: '--by', why: CONTROL },
    { kind: 'actor on one line', args: ['incidents', 'resolve', 'abc', '--by', 'alice\nroot'], flag: '--by', why: ONE_LINE },
    { kind: 'reason', args: ['incidents', 'resolve', 'abc', '--reason', 'fixed\u0007'], flag: '--reason', why: CONTROL },
    { kind: 'note', args: ['incidents', 'note', 'abc', '--text', 'see \u007F log'], flag: '--text', why: CONTROL },
    { kind: 'title', args: ['trigger', '--title', 'p95 \u001B[31mslow'], flag: '--title', why: CONTROL },
    { kind: 'service name', args: ['trigger', '--service', 'demo\trag'], flag: '--service', why: ONE_LINE },
    { kind: 'filter', args: ['incidents', 'list', '--service', 'a\rb'], flag: '--service', why: ONE_LINE },
    { kind: 'comment', args: ['silences', 'create', '--for', '1h', '--matcher', 'service="a"', '--comment', 'maint\u0001'], flag: '--comment', why: CONTROL },
    { kind: 'repeatable', args: ['silences', 'create', '--comment', 'ok', '--matcher', 'service="a"', '--matcher', 'pod="\u001B"'], flag: '--matcher', why: CONTROL },
    { kind: 'label', args: ['tokens', 'create', '--service', 'svc', '--name', 'pods\u001B'], flag: '--name', why: CONTROL },
    { kind: 'positional id', args: ['incidents', 'show', 'abc\ndef'], flag: '<id>', why: ONE_LINE },
  ])('$kind: $flag', async ({ args, flag, why }, { expect }) => {
    const p = spawnVigil(args, UNREACHABLE);
    const { code } = await p.exited;
    expect(code, p.output()).toBe(2);
    expect(p.output()).toContain(`vigil: ${flag}: ${why}`);
    // Refused before any connection, and the value is not echoed back into the terminal.
    expect(p.output()).not.toMatch(/ECONNREFUSED|No database/);
    expect(p.output()).not.toContain('\u001B');
  });
});

describe('vigil config check refuses hostile text in the config file, naming the key path', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-cli-hostile-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('NUL, control characters and line breaks in names, ids, URLs and comments', async () => {
    // YAML's double-quoted escapes carry what argv cannot: "\0" is NUL, "\e" is ESC.
    const yaml = [
      'temporal: { namespace: "default\\0", uiUrl: "http://localhost:8233/\\0" }',
      'channels:',
      '  team: { type: slack, channel: "C0123\\e[2J" }',
      '  hook: { type: webhook, url: "https://example.com/\\x07" }',
      'users:',
      '  bob: { name: "Bob\\nAdmin", notify: [team] }',
      'silences:',
      '  - matchers: [service="a"]',
      '    startsAt: 2026-01-01T00:00:00Z',
      '    endsAt: 2026-01-02T00:00:00Z',
      '    createdBy: ops',
      '    comment: "maintenance\\0"',
      '',
    ].join('\n');
    const file = path.join(dir, 'hostile.yaml');
    fs.writeFileSync(file, yaml);
    const p = spawnVigil(['config', 'check', file], {});
    expect((await p.exited).code, p.output()).toBe(2);
    for (const line of [
      'temporal.namespace: must not contain NUL (U+0000)',
      'temporal.uiUrl: must not contain NUL (U+0000)',
      'channels.team.channel: must not contain control characters',
      'channels.hook.url: must not contain control characters',
      'users.bob.name: must be one line (no tabs or line breaks)',
      'silences.0.comment: must not contain NUL (U+0000)',
    ]) {
      expect(p.output()).toContain(line);
    }
  });
});
