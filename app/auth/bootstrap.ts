import fs from 'node:fs';
import path from 'node:path';
import type { Pool } from 'pg';
import { findValidApiKey } from '../../db/auth/api-keys';
import { countAdmins, getUser } from '../../db/auth/users';
import type { VigilConfig } from '../../domain/config';
import { VigilError } from '../../domain/errors';
import { addUser, issueKey } from './admin';

/** The user `vigil dev` acts as locally, and the file (mode 0600) that keeps its key. */
export const LOCAL_ADMIN = 'local-admin';
export const ADMIN_KEY_FILE = 'admin-key';

/**
 * For `vigil dev`: an admin and a key for this machine's own use, made on first start and kept in
 * the dev state folder (like the Temporal and Postgres state), so curl and the console work at once.
 */
export async function ensureLocalAdmin(pool: Pool, stateDir: string): Promise<string> {
  const file = path.join(stateDir, ADMIN_KEY_FILE);
  const kept = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : '';
  if (kept && (await findValidApiKey(pool, kept))) return kept;
  if (!(await getUser(pool, LOCAL_ADMIN))) await addUser(pool, 'vigil-dev', { name: LOCAL_ADMIN, roles: ['admin'] });
  const { key } = await issueKey(pool, 'vigil-dev', { name: 'vigil dev (this machine)', owner: LOCAL_ADMIN, scopes: ['admin'], createdBy: 'vigil-dev' });
  fs.mkdirSync(stateDir, { recursive: true });
  fs.writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return key;
}

/** Start-up check for a deployment with keys on: without an admin nobody could ever be let in. */
export async function requireAnAdmin(pool: Pool): Promise<void> {
  if ((await countAdmins(pool)) > 0) return;
  throw new VigilError(
    'config_invalid',
    'authentication is on (auth.mode: keys) but no admin user exists. Create the first one: `vigil users add <name> --admin`, ' +
      'then a key: `vigil keys create --user <name> --scope admin --name "<what for>"`. ' +
      '(Or set auth: { mode: none } in the config to run without authentication — not for anything reachable by others.)',
  );
}

/**
 * Users the config gives roles to (config users: … roles:) are written to the database at start, so
 * the config stays the one place people are declared; each change is audited, an unchanged user is not.
 */
export async function syncConfigUsers(pool: Pool, users: VigilConfig['users']): Promise<string[]> {
  const changed: string[] = [];
  for (const [name, u] of Object.entries(users)) {
    if (!u.roles) continue;
    const want = { name, email: u.email ?? null, slackUserId: u.slackId ?? null, roles: [...u.roles].sort(), teams: [...(u.teams ?? [])].sort() };
    const have = await getUser(pool, name);
    const same =
      have && have.email === want.email && have.slackUserId === want.slackUserId && [...have.roles].sort().join() === want.roles.join() && [...have.teams].sort().join() === want.teams.join();
    if (same) continue;
    await addUser(pool, 'config', want);
    changed.push(name);
  }
  return changed;
}
