import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../../app/config-file';
import { VigilError } from '../../domain/errors';

// Every call passes its own env, so the developer's shell (TEMPORAL_ADDRESS etc.) cannot leak in.
const NO_ENV: NodeJS.ProcessEnv = {};

function configError(run: () => unknown): VigilError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(VigilError);
    expect((err as VigilError).code).toBe('config_invalid');
    return err as VigilError;
  }
  throw new Error('expected a config_invalid error, got a config');
}

describe('parseConfig defaults', () => {
  it('turns {} into a working setup: a console channel and a default policy targeting it', () => {
    const cfg = parseConfig({}, 'test', NO_ENV);
    expect(cfg.channels).toEqual({ console: { type: 'console', timeout: 10_000 } });
    expect(cfg.incidents).toEqual({ reopenWindow: 10 * 60_000, defaultPolicy: 'default', actionLinkTtl: 86_400_000, muteRecheck: 30_000, pageStep: 'local' });
    // Level 1 at once, level 2 five minutes later, both to the console, no repeats.
    expect(cfg.escalationPolicies.default).toEqual({
      levels: [
        { delay: 0, targets: ['console'] },
        { delay: 5 * 60_000, targets: ['console'] },
      ],
      repeat: 0,
      repeatDelay: 5 * 60_000,
    });
    expect(cfg.temporal.address).toBe('127.0.0.1:7233');
    expect(cfg.api).toEqual({ host: '127.0.0.1', port: 8080 });
  });

  it('treats null (an empty YAML document) like {}', () => {
    expect(parseConfig(null, 'test', NO_ENV)).toEqual(parseConfig({}, 'test', NO_ENV));
  });
});

describe('parseConfig env overrides', () => {
  const cases: Array<{ name: string; raw: object; env: NodeJS.ProcessEnv; check: (c: ReturnType<typeof parseConfig>) => unknown; want: unknown }> = [
    // The Temporal address differs per deployment.
    { name: 'TEMPORAL_ADDRESS', raw: {}, env: { TEMPORAL_ADDRESS: 'temporal:7233' }, check: (c) => c.temporal.address, want: 'temporal:7233' },
    // Env wins over the file, and the file's other temporal settings survive.
    {
      name: 'TEMPORAL_ADDRESS over the file',
      raw: { temporal: { address: 'file:7233', namespace: 'prod' } },
      env: { TEMPORAL_ADDRESS: 'env:7233' },
      check: (c) => [c.temporal.address, c.temporal.namespace],
      want: ['env:7233', 'prod'],
    },
    // Ports arrive as text and become numbers.
    { name: 'VIGIL_API_PORT', raw: {}, env: { VIGIL_API_PORT: '9090' }, check: (c) => c.api, want: { host: '127.0.0.1', port: 9090 } },
    // An empty variable means "not set", not "empty address".
    { name: 'empty TEMPORAL_ADDRESS', raw: {}, env: { TEMPORAL_ADDRESS: '' }, check: (c) => c.temporal.address, want: '127.0.0.1:7233' },
  ];
  it.each(cases)('$name', ({ raw, env, check, want }) => {
    expect(check(parseConfig(raw, 'test', env))).toEqual(want);
  });

  it('does not modify the caller\'s object when applying overrides', () => {
    const raw = { temporal: { address: 'file:7233' } };
    parseConfig(raw, 'test', { TEMPORAL_ADDRESS: 'env:7233' });
    expect(raw.temporal.address).toBe('file:7233');
  });
});

describe('parseConfig errors', () => {
  const policy = (...targets: string[]) => ({ levels: [{ delay: 0, targets: ['console'] }, { delay: '5m', targets }] });
  const cases: Array<{ name: string; raw: unknown; env?: NodeJS.ProcessEnv; path: string; says: RegExp }> = [
    // Only console and slack exist; the path points at the discriminator.
    { name: 'unknown channel type', raw: { channels: { console: { type: 'console' }, pager: { type: 'carrier-pigeon' } } }, path: 'channels.pager.type', says: /console.*slack.*email.*pagerduty/ },
    // A slack channel needs the channel to post to.
    { name: 'slack channel without channel', raw: { channels: { console: { type: 'console' }, ops: { type: 'slack' } } }, path: 'channels.ops.channel', says: /./ },
    // The second target of level 2 names no channel: the path pins level and target index.
    { name: 'policy target not a channel', raw: { escalationPolicies: { default: policy('console', 'ops') } }, path: 'escalationPolicies.default.levels.1.targets.1', says: /"ops" is not a configured channel \(known: console\)/ },
    // Replacing channels without console breaks the built-in policy, and says so rather than paging nowhere.
    { name: 'policy targets a user nobody defined', raw: { escalationPolicies: { default: { levels: [{ delay: 0, targets: ['user:alice'] }] } } }, path: 'escalationPolicies.default.levels.0.targets.0', says: /names no user/ },
    // defaultPolicy must name a defined policy.
    { name: 'defaultPolicy missing', raw: { incidents: { defaultPolicy: 'nope' } }, path: 'incidents.defaultPolicy', says: /"nope"/ },
    // Defining policies without "default" and not choosing another.
    { name: 'no "default" policy', raw: { escalationPolicies: { pager: policy('console') } }, path: 'incidents.defaultPolicy', says: /"default"/ },
    // Bad duration text in incidents and in a policy delay.
    { name: 'bad reopenWindow', raw: { incidents: { reopenWindow: 'ten minutes' } }, path: 'incidents.reopenWindow', says: /"ten minutes"/ },
    { name: 'bad level delay', raw: { escalationPolicies: { default: { levels: [{ delay: '5 m', targets: ['console'] }] } } }, path: 'escalationPolicies.default.levels.0.delay', says: /"5 m"/ },
    // Typos at the top level are refused, naming the key.
    { name: 'unknown top-level key', raw: { channel: {} }, path: '(root)', says: /"channel"/ },
    // ... and inside sections.
    { name: 'unknown key in api', raw: { api: { prot: 8080 } }, path: 'api', says: /"prot"/ },
    // A non-numeric port from the environment.
    { name: 'VIGIL_API_PORT not a number', raw: {}, env: { VIGIL_API_PORT: 'http' }, path: 'api.port', says: /./ },
    // Out of range port.
    { name: 'port out of range', raw: { slack: { port: 70000 } }, path: 'slack.port', says: /./ },
  ];
  it.each(cases)('$name → $path', ({ raw, env, path: fieldPath, says }) => {
    const err = configError(() => parseConfig(raw, 'vigil.config.yaml', env ?? NO_ENV));
    expect(err.message).toContain('vigil.config.yaml');
    const line = (err.details!.issues as string[]).find((l) => l.startsWith(`${fieldPath}: `));
    expect(line, err.message).toBeDefined();
    expect(line).toMatch(says);
  });

  it('says how to write a duration when one is wrong', () => {
    const err = configError(() => parseConfig({ incidents: { reopenWindow: 'ten minutes' } }, 'test', NO_ENV));
    expect(err.message).toMatch(/"30s"|"5m"/);
  });

  const shapes: Array<{ name: string; raw: unknown }> = [
    // A YAML list or scalar at the top is not a settings mapping.
    { name: 'a list', raw: [1, 2] },
    { name: 'a string', raw: 'temporal: x' },
    { name: 'a number', raw: 42 },
  ];
  it.each(shapes)('refuses $name at the top level', ({ raw }) => {
    expect(configError(() => parseConfig(raw, 'x.yaml', NO_ENV)).message).toMatch(/x\.yaml: the top level must be a mapping/);
  });
});

describe('loadConfig', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-config-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string) => fs.writeFileSync(path.join(dir, name), text);

  it('reads vigil.config.yaml from the working directory, durations and all', () => {
    write('vigil.config.yaml', 'incidents:\n  reopenWindow: 30m\nchannels:\n  console: { type: console }\n  ops: { type: slack, channel: C0123 }\n');
    const { config, source } = loadConfig(NO_ENV, dir);
    expect(source).toBe(path.join(dir, 'vigil.config.yaml'));
    expect(config.incidents.reopenWindow).toBe(30 * 60_000);
    expect(config.channels.ops).toEqual({ type: 'slack', channel: 'C0123', timeout: 10_000, ratePerSecond: 1 });
  });

  it('reads a JSON file named by VIGIL_CONFIG, relative to the working directory, with env overrides applied', () => {
    write('custom.json', JSON.stringify({ api: { port: 8181 }, temporal: { namespace: 'staging' } }));
    const { config, source } = loadConfig({ VIGIL_CONFIG: 'custom.json', TEMPORAL_ADDRESS: 'tmp:7233' }, dir);
    expect(source).toBe(path.join(dir, 'custom.json'));
    expect([config.api.port, config.temporal.namespace, config.temporal.address]).toEqual([8181, 'staging', 'tmp:7233']);
  });

  it('falls back to the defaults when no file exists, and treats an empty file as {}', () => {
    expect(loadConfig(NO_ENV, dir)).toEqual({ config: parseConfig({}, 'x', NO_ENV), source: expect.stringMatching(/^defaults/) });
    write('vigil.config.yml', '');
    expect(loadConfig(NO_ENV, dir).config).toEqual(parseConfig({}, 'x', NO_ENV));
  });

  const broken: Array<{ name: string; file?: [string, string]; env: NodeJS.ProcessEnv; says: RegExp }> = [
    // YAML syntax error: the message names the file and the format.
    { name: 'invalid YAML', file: ['vigil.config.yaml', 'channels: [unclosed\n'], env: {}, says: /vigil\.config\.yaml is not valid YAML/ },
    // JSON syntax error in a .json file.
    { name: 'invalid JSON', file: ['vigil.config.json', '{ "api": '], env: {}, says: /vigil\.config\.json is not valid JSON/ },
    // VIGIL_CONFIG pointing at nothing: an error, not a silent fallback to defaults.
    { name: 'VIGIL_CONFIG missing file', env: { VIGIL_CONFIG: 'nope.yaml' }, says: /cannot read config file .*nope\.yaml: ENOENT/ },
    // A valid file with a bad field: the file is named as the source.
    { name: 'bad field in file', file: ['vigil.config.yaml', 'incidents:\n  defaultPolicy: nope\n'], env: {}, says: /invalid configuration in .*vigil\.config\.yaml:\n {2}incidents\.defaultPolicy/ },
  ];
  it.each(broken)('$name → config_invalid', ({ file, env, says }) => {
    if (file) write(...file);
    const err = configError(() => loadConfig(env, dir));
    expect(err.message).toMatch(says);
    expect(err.message).toContain(dir);
  });
});
