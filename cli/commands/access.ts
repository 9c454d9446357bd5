import os from 'node:os';
import type { Command } from 'commander';
import type { Pool } from 'pg';
import { addUser, changePassword, changeRoles, issueKey, withdrawKey } from '../../app/auth/admin';
import { listApiKeys } from '../../db/auth/api-keys';
import { listUsers } from '../../db/auth/users';
import { displayKey } from '../../domain/auth/api-key';
import { isRole, isScope, type Role, type Scope } from '../../domain/auth/scopes';
import { parseDuration } from '../../domain/duration';
import { VigilError } from '../../domain/errors';
import { nameSchema } from '../../domain/names';
import type { CliContext } from '../context';
import { withCliPool } from '../cli-pool';

/** Who ran an admin command from a shell with database access: recorded in the audit trail. */
const cliActor = () => `cli:${os.userInfo().username}`;

function userName(flag: string, value: string): string {
  const r = nameSchema.safeParse(value);
  if (!r.success) throw new VigilError('invalid_input', `${flag}: "${value}" ${r.error.issues[0]!.message}`);
  return r.data;
}

function roles(flag: string, values: string[]): Role[] {
  const bad = values.find((v) => !isRole(v));
  if (bad !== undefined) throw new VigilError('invalid_input', `${flag}: "${bad}" is not a role (viewer, responder, admin)`);
  return values as Role[];
}

function scopes(values: string[]): Scope[] {
  const bad = values.find((v) => !isScope(v));
  if (bad !== undefined) throw new VigilError('invalid_input', `--scope: "${bad}" is not a scope (incidents:read, incidents:write, silences:read, silences:write, metrics:write, compliance:read, audit:read, analytics:read, act-as, admin)`);
  if (values.length === 0) throw new VigilError('invalid_input', '--scope: give at least one scope');
  return values as Scope[];
}

async function readPassword(): Promise<string> {
  // From stdin (piped, or typed and ended with Ctrl-D): never as a flag, where it would sit in shell history.
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

const collect = (v: string, prev: string[]) => [...prev, v];

/** `vigil users …` and `vigil keys …`: who may act, each change in the audit trail. */
export function registerAccessCommands(program: Command, ctx: () => CliContext): void {
  const withPool = <T>(fn: (pool: Pool) => Promise<T>) => withCliPool(ctx, fn);

  const users = program.command('users').description('people who may use the API, the console and Slack buttons');
  users
    .command('list')
    .description('users with their roles (never their password)')
    .action(async () => {
      const all = await withPool(listUsers);
      if (all.length === 0) return console.log('No users. Create the first admin: vigil users add <name> --admin');
      for (const u of all) console.log(`${u.name.padEnd(24)} ${u.roles.join(',').padEnd(24)} ${u.email ?? ''}${u.slackUserId ? `  slack ${u.slackUserId}` : ''}${u.disabledAt ? '  (disabled)' : ''}`);
    });
  users
    .command('add <name>')
    .description('add or update a user')
    .option('--role <role>', 'viewer, responder or admin (repeat for several)', collect, [] as string[])
    .option('--admin', 'shorthand for --role admin')
    .option('--email <address>', 'for the console and the auth proxy')
    .option('--slack-id <id>', 'Slack user id (U…), so their button clicks act as them')
    .option('--team <name>', 'limit to this team\'s services (repeat for several)', collect, [] as string[])
    .action(async (name: string, o: { role: string[]; admin?: boolean; email?: string; slackId?: string; team: string[] }) => {
      const r = roles('--role', [...o.role, ...(o.admin ? ['admin'] : [])]);
      if (r.length === 0) throw new VigilError('invalid_input', '--role: give a role (viewer, responder, admin) or --admin');
      const u = await withPool((pool) => addUser(pool, cliActor(), { name: userName('<name>', name), email: o.email ?? null, slackUserId: o.slackId ?? null, roles: r, teams: o.team }));
      console.log(`saved ${u.name} (${u.roles.join(', ')}); set a password with: vigil users passwd ${u.name} < file`);
    });
  users
    .command('roles <name> <roles...>')
    .description('replace a user\'s roles')
    .action(async (name: string, values: string[]) => {
      const u = await withPool((pool) => changeRoles(pool, cliActor(), userName('<name>', name), roles('<roles>', values)));
      console.log(`${u.name}: ${u.roles.join(', ')}`);
    });
  users
    .command('passwd <name>')
    .description('set a console password, read from stdin (at least 12 characters)')
    .action(async (name: string) => {
      const password = await readPassword();
      await withPool((pool) => changePassword(pool, cliActor(), userName('<name>', name), password));
      console.log(`password set for ${name}`);
    });

  const keys = program.command('keys').description('API keys (per user, or for an automation)');
  keys
    .command('create')
    .description('create a key; it is printed once (stdout), only its hash is stored')
    .requiredOption('--name <label>', 'what the key is for, e.g. "grafana alerts"')
    .option('--user <name>', 'the user it acts as (never beyond their roles); without it, an automation key')
    .option('--scope <scope>', 'a scope it carries (repeat for several)', collect, [] as string[])
    .option('--expires <duration>', 'e.g. 90d; default: never')
    .action(async (o: { name: string; user?: string; scope: string[]; expires?: string }) => {
      if (o.name.length === 0 || o.name.length > 200) throw new VigilError('invalid_input', '--name: 1 to 200 characters');
      let expiresAt: number | null = null;
      if (o.expires !== undefined) {
        const ms = parseDuration(o.expires);
        if (ms === undefined || ms <= 0) throw new VigilError('invalid_input', `--expires: "${o.expires}" is not a duration such as 90d or 12h`);
        expiresAt = Date.now() + ms;
      }
      const owner = o.user === undefined ? null : userName('--user', o.user);
      const { key, record } = await withPool((pool) => issueKey(pool, cliActor(), { name: o.name, owner, scopes: scopes(o.scope), createdBy: cliActor(), expiresAt }));
      process.stderr.write(`Created API key ${displayKey(record.id)} (${record.scopes.join(', ')}). Store it now: it is shown only this once.\n`);
      console.log(key);
    });
  keys
    .command('list')
    .description('keys with their id, owner, scopes, expiry and last use (never the key)')
    .option('--user <name>', 'only this user\'s keys')
    .action(async (o: { user?: string }) => {
      const all = await withPool((pool) => listApiKeys(pool, o.user === undefined ? undefined : userName('--user', o.user)));
      if (all.length === 0) return console.log('No API keys.');
      const iso = (t: number | null) => (t === null ? '-' : new Date(t).toISOString());
      for (const k of all) {
        const state = k.revokedAt !== null ? `revoked ${iso(k.revokedAt)}` : k.expiresAt !== null && k.expiresAt <= Date.now() ? 'expired' : 'active';
        console.log(`${displayKey(k.id).padEnd(18)} ${(k.owner ?? '(automation)').padEnd(20)} ${k.scopes.join(',').padEnd(40)} ${state.padEnd(10)} expires ${iso(k.expiresAt)}  last used ${iso(k.lastUsedAt)}  ${k.name}`);
      }
    });
  keys
    .command('revoke <id>')
    .description('revoke a key (refused everywhere within the API\'s key cache bound, 10 s)')
    .action(async (id: string) => {
      const bare = id.replace(/^vk_/, '').replace(/_.*$/, '');
      await withPool((pool) => withdrawKey(pool, cliActor(), bare));
      console.log(`revoked ${displayKey(bare)}`);
    });
}
