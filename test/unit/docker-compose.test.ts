import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it, expect } from 'vitest';
import { parse } from 'yaml';

const ROOT = path.resolve(__dirname, '..', '..');
const read = (name: string): string => readFileSync(path.join(ROOT, name), 'utf8');

type DependsOn = string[] | Record<string, { condition?: string }>;
type Port = string | number | { target?: number; published?: string | number };
interface Service {
  image?: string;
  build?: unknown;
  entrypoint?: string | string[];
  command?: string | string[];
  environment?: Record<string, string | number | null> | string[];
  depends_on?: DependsOn;
  ports?: Port[];
  healthcheck?: unknown;
}
interface Compose {
  services: Record<string, Service>;
}

const compose = parse(read('docker-compose.yml')) as Compose;
const services = compose.services;
const serviceNames = Object.keys(services);

function service(name: string): Service {
  const s = services[name];
  if (!s) throw new Error(`docker-compose.yml defines no service "${name}"`);
  return s;
}

function env(s: Service): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(s.environment)) {
    for (const entry of s.environment) {
      const eq = entry.indexOf('=');
      if (eq > 0) out[entry.slice(0, eq)] = entry.slice(eq + 1);
    }
  } else {
    for (const [k, v] of Object.entries(s.environment ?? {})) out[k] = v === null ? '' : String(v);
  }
  return out;
}

function dependencies(s: Service): Array<{ name: string; condition: string }> {
  const d = s.depends_on;
  if (!d) return [];
  if (Array.isArray(d)) return d.map((name) => ({ name, condition: 'service_started' }));
  return Object.entries(d).map(([name, v]) => ({ name, condition: v.condition ?? 'service_started' }));
}

/** [published host port, container port] pairs, for the short and long port syntaxes. */
function ports(s: Service): Array<[number, number]> {
  return (s.ports ?? []).map((p): [number, number] => {
    if (typeof p === 'object') return [Number(p.published), Number(p.target)];
    const parts = String(p).split(':');
    const target = Number(parts[parts.length - 1]);
    const published = parts.length >= 2 ? Number(parts[parts.length - 2]) : NaN;
    return [published, target];
  });
}

const commandText = (s: Service): string =>
  [s.entrypoint, s.command].flat().filter((x): x is string => typeof x === 'string').join('\n');

// Docker reference grammar, restricted to what we allow: lowercase repository path, then a tag.
const IMAGE_WITH_TAG = /^([a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*):([\w][\w.-]{0,127})$/;
const KNOWN_IMAGES = new Set(['postgres', 'temporalio/auto-setup', 'temporalio/admin-tools', 'temporalio/ui']);

function splitImage(image: string): { name: string; tag: string } | undefined {
  const m = IMAGE_WITH_TAG.exec(image);
  return m && m[1] && m[2] ? { name: m[1], tag: m[2] } : undefined;
}

const VIGIL_SERVICES = ['vigil-worker', 'vigil-api'];
const SEARCH_ATTRIBUTES = ['VigilService', 'VigilKind', 'VigilSeverity', 'VigilStatus'];

describe('docker-compose.yml', () => {
  it('defines the whole stack', () => {
    expect(serviceNames).toEqual(
      expect.arrayContaining(['postgres', 'temporal', 'temporal-setup', 'temporal-ui', ...VIGIL_SERVICES]),
    );
  });

  it.each(serviceNames)('%s has an image or a build', (name) => {
    const s = service(name);
    expect(s.image !== undefined || s.build !== undefined).toBe(true);
  });

  const imaged = serviceNames.filter((n) => service(n).image !== undefined);
  it.each(imaged)('%s pins a known published image to an explicit tag', (name) => {
    const image = service(name).image as string;
    const parsed = splitImage(image);
    expect(parsed, `"${image}" is not <name>:<tag>`).toBeDefined();
    expect(parsed?.tag).not.toBe('latest');
    expect(KNOWN_IMAGES.has(parsed?.name ?? ''), `"${image}" is not a known image`).toBe(true);
  });

  it('runs the admin tools at the same Temporal version as the server', () => {
    const server = splitImage(service('temporal').image ?? '');
    const tools = splitImage(service('temporal-setup').image ?? '');
    expect(server?.name).toBe('temporalio/auto-setup');
    expect(tools?.name).toBe('temporalio/admin-tools');
    expect(tools?.tag.startsWith(server?.tag ?? '\0')).toBe(true);
  });

  const edges = serviceNames.flatMap((from) => dependencies(service(from)).map((d) => ({ from, ...d })));
  it.each(edges)('$from depends on defined service $name', ({ from, name, condition }) => {
    expect(name).not.toBe(from);
    expect(serviceNames).toContain(name);
    expect(['service_started', 'service_healthy', 'service_completed_successfully']).toContain(condition);
    if (condition === 'service_healthy') expect(service(name).healthcheck).toBeDefined();
  });

  it.each(VIGIL_SERVICES)('%s waits for healthy postgres and completed search-attribute setup', (name) => {
    const deps = Object.fromEntries(dependencies(service(name)).map((d) => [d.name, d.condition]));
    expect(deps).toMatchObject({
      postgres: 'service_healthy',
      'temporal-setup': 'service_completed_successfully',
    });
  });

  describe('temporal-setup', () => {
    const setup = service('temporal-setup');
    const text = commandText(setup);

    // admin-tools' entrypoint is `sleep infinity`: a bare `command` would be its arguments and the
    // service would never complete, so the Vigil services would never start.
    it('overrides the image entrypoint with a shell', () => {
      expect(setup.entrypoint).toBeDefined();
      expect(commandText({ entrypoint: setup.entrypoint })).toMatch(/\bsh\b/);
    });

    it('creates Keyword search attributes against the compose temporal service', () => {
      expect(text).toContain('temporal operator search-attribute create');
      expect(text).toContain('--type Keyword');
      expect(text).toContain('--address temporal:7233');
    });

    it.each(SEARCH_ATTRIBUTES)('registers %s', (attr) => {
      expect(text).toMatch(new RegExp(`\\b${attr}\\b`));
    });
  });

  describe.each(VIGIL_SERVICES)('%s', (name) => {
    const s = service(name);
    const e = env(s);

    it('is built from the local Dockerfile', () => {
      expect(s.build).toBe('.');
    });

    it('reaches the compose postgres with its credentials', () => {
      const pg = env(service('postgres'));
      const url = new URL(e.DATABASE_URL ?? '');
      expect(url.protocol).toMatch(/^postgres(ql)?:$/);
      expect(url.hostname).toBe('postgres');
      expect(url.port || '5432').toBe('5432');
      expect(url.username).toBe(pg.POSTGRES_USER);
      expect(url.password).toBe(pg.POSTGRES_PASSWORD);
      expect(url.pathname).toBe(`/${pg.POSTGRES_DB}`);
    });

    it('reaches the compose temporal service', () => {
      expect(e.TEMPORAL_ADDRESS).toBe('temporal:7233');
      expect(e.TEMPORAL_NAMESPACE).toBe('default');
    });

    it('takes Slack secrets from the host environment', () => {
      expect(e.SLACK_BOT_TOKEN).toBe('${SLACK_BOT_TOKEN:-}');
      expect(e.SLACK_SIGNING_SECRET).toBe('${SLACK_SIGNING_SECRET:-}');
    });
  });

  it.each([
    { name: 'temporal', published: 7233, target: 7233 },
    { name: 'temporal-ui', published: 8233, target: 8080 },
    { name: 'vigil-api', published: 8080, target: 8080 },
    { name: 'vigil-api', published: 3001, target: 3001 },
  ])('$name publishes host port $published -> $target', ({ name, published, target }) => {
    expect(ports(service(name))).toContainEqual([published, target]);
  });

  it('publishes no host port twice', () => {
    const published = serviceNames.flatMap((n) => ports(service(n)).map(([p]) => p));
    expect(published.filter((p, i) => published.indexOf(p) !== i)).toEqual([]);
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const froms = [...dockerfile.matchAll(/^FROM\s+(?:--\S+\s+)*(\S+)/gim)].map((m) => m[1] ?? '');

  it('has a base image', () => {
    expect(froms.length).toBeGreaterThan(0);
  });

  it.each(froms)('FROM %s has an explicit, non-latest tag', (image) => {
    const parsed = splitImage(image);
    expect(parsed, `"${image}" is not <name>:<tag>`).toBeDefined();
    expect(parsed?.tag).not.toBe('latest');
  });

  it('runs as a non-root user', () => {
    const users = [...dockerfile.matchAll(/^USER\s+(\S+)/gim)].map((m) => m[1]);
    expect(users.length).toBeGreaterThan(0);
    expect(users[users.length - 1]).not.toMatch(/^(root|0)(:.*)?$/);
  });

  // Host node_modules carry host-built native addons and would overwrite the image's own install.
  it('is not sent the host node_modules', () => {
    const ignored = read('.dockerignore').split('\n').map((l) => l.trim());
    expect(ignored).toContain('node_modules');
  });
});
