import { randomBytes, randomUUID } from 'node:crypto';
import { Client, type Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { appendAudit, eraseSubject, verifyAudit } from '../../db/audit-log';
import { auditHead } from '../../db/audit/head';
import { migrate } from '../../db/migrate';
import { sendOnce } from '../../db/notification-ledger';
import { createPool } from '../../db/pool';
import { spawnVigil } from '../support/processes';

// The deployment of docs/database-roles.md: migrations ran as the owner (here the embedded superuser),
// and the app logs in as a role that is only a member of vigil_app. Roles are cluster-wide, so every
// name is unique per run and dropped at the end.
const suffix = randomBytes(4).toString('hex');
const appRole = `vigil_it_app_${suffix}`;
const password = randomBytes(12).toString('hex');
let admin: Client;
let app: Pool;
let appUrl: string;

/** The test database's URL with other credentials (and optionally another database). */
function urlAs(user: string, pass: string, database?: string): string {
  const u = new URL(inject('databaseUrl'));
  u.username = user;
  u.password = pass;
  if (database) u.pathname = `/${database}`;
  return u.toString();
}

beforeAll(async () => {
  admin = new Client({ connectionString: inject('databaseUrl') });
  await admin.connect();
  await admin.query(`CREATE ROLE ${appRole} LOGIN PASSWORD '${password}' IN ROLE vigil_app`);
  appUrl = urlAs(appRole, password);
  app = createPool(appUrl, 'vigil-test-app-role', 4);
});
afterAll(async () => {
  await app?.end();
  // The login role owns nothing and holds no grants of its own (all come through vigil_app), but
  // DROP OWNED clears anything a failed assertion might have left before the role can go.
  await admin.query(`DROP OWNED BY ${appRole}`).catch(() => undefined);
  await admin.query(`DROP ROLE IF EXISTS ${appRole}`);
  await admin.end();
});

describe('vigil_app', () => {
  it('is NOLOGIN and owns nothing', async () => {
    const role = await admin.query("SELECT rolcanlogin, rolsuper, rolcreaterole FROM pg_roles WHERE rolname = 'vigil_app'");
    expect(role.rows[0]).toEqual({ rolcanlogin: false, rolsuper: false, rolcreaterole: false });
    const owned = await admin.query("SELECT count(*)::int AS n FROM pg_class WHERE relowner = 'vigil_app'::regrole");
    expect(owned.rows[0].n).toBe(0);
  });
});

describe('the app role on the audit trail', () => {
  it('appends through the real path, reads the head and verifies the chain', async () => {
    const r = await appendAudit(app, [{ kind: 'test.app-role', payload: { role: 'app' } }]);
    expect(await auditHead(app)).toEqual({ seq: r.lastSeq, hash: r.headHash });
    expect(await verifyAudit(app)).toMatchObject({ ok: true });
  });

  it('cannot UPDATE, DELETE or TRUNCATE audit_log or audit_checkpoints (no privilege, before any trigger)', async () => {
    for (const table of ['audit_log', 'audit_checkpoints']) {
      await expect(app.query(`UPDATE ${table} SET hash = hash WHERE seq = 1`)).rejects.toThrow(`permission denied for table ${table}`);
      await expect(app.query(`DELETE FROM ${table} WHERE seq = 1`)).rejects.toThrow(`permission denied for table ${table}`);
      await expect(app.query(`TRUNCATE ${table}`)).rejects.toThrow(`permission denied for table ${table}`);
    }
  });

  it('cannot switch the guards off: ALTER, DROP TRIGGER, DROP TABLE, CREATE TRIGGER, replica mode', async () => {
    const cases = [
      // disabling the append-only triggers needs ownership
      ['ALTER TABLE audit_log DISABLE TRIGGER ALL', /must be owner of table audit_log/],
      ['ALTER TABLE audit_personal DISABLE TRIGGER audit_personal_no_update', /must be owner of table audit_personal/],
      ['DROP TRIGGER audit_log_append_only ON audit_log', /must be owner of (table|relation) audit_log/],
      ['DROP TABLE audit_log', /must be owner of table audit_log/],
      ['DROP FUNCTION audit_refuse_change()', /must be owner of function audit_refuse_change/],
      // a trigger of its own (say, one that swallows the refusal) needs the TRIGGER privilege
      ['CREATE TRIGGER sneaky BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()', /permission denied for table audit_log/],
      // session_replication_role = replica skips every trigger: superusers only
      ['SET session_replication_role = replica', /permission denied to set parameter "session_replication_role"/],
    ] as const;
    for (const [sql, refused] of cases) await expect(app.query(sql), sql).rejects.toThrow(refused);
  });

  it('erases personal data (DELETE on audit_personal) but cannot rewrite it', async () => {
    const subject = `subject-${randomUUID()}`;
    await appendAudit(app, [{ kind: 'test.app-role', payload: { n: 1 }, personal: { subjectId: subject, data: { email: 'a@example.com' } } }]);
    await expect(app.query('UPDATE audit_personal SET data = $1 WHERE subject_id = $2', ['{}', subject])).rejects.toThrow(
      'permission denied for table audit_personal',
    );
    expect(await eraseSubject(app, subject, 'dpo@test')).toMatchObject({ erased: 1 });
    expect((await app.query('SELECT count(*)::int AS n FROM audit_personal WHERE subject_id = $1', [subject])).rows[0].n).toBe(0);
    expect(await verifyAudit(app)).toMatchObject({ ok: true });
  });

  it('runs `vigil audit verify` and `vigil audit head`', async () => {
    const env = { DATABASE_URL: appUrl };
    const [verify, head] = [spawnVigil(['audit', 'verify'], env), spawnVigil(['audit', 'head'], env)];
    expect((await verify.exited).code).toBe(0);
    expect(verify.output()).toMatch(/audit trail ok/);
    expect((await head.exited).code).toBe(0);
    const h = (await auditHead(app))!;
    expect(head.output().trim()).toBe(`${h.seq} ${h.hash}`);
  });
});

describe('the app role on the other tables', () => {
  it('has ordinary DML on the projections and the notification ledger', async () => {
    const workflowId = `incident/privileges-${randomUUID()}`;
    // The ledger's real path: INSERT … ON CONFLICT, SELECT … FOR UPDATE, UPDATE.
    const sent = await sendOnce(app, { workflowId, runId: 'run-1', step: 'L1', target: 'console' }, 'console', () => Promise.resolve({ detail: 'ok' }));
    expect(sent.duplicate).toBe(false);
    expect((await app.query('DELETE FROM notifications WHERE workflow_id = $1', [workflowId])).rowCount).toBe(1);

    const client = await app.connect();
    try {
      await client.query('BEGIN');
      await client.query(
        `INSERT INTO incidents (incident_id, workflow_id, fingerprint, service, kind, dimension, severity, status, title, episode, occurrences, opened_at, last_seq)
         VALUES ($1, $2, 'fp', 'svc', 'latency', 'p95', 'warning', 'open', 't', 1, 1, now(), 1)`,
        [randomUUID(), workflowId],
      );
      expect((await client.query("UPDATE incidents SET status = 'resolved' WHERE workflow_id = $1", [workflowId])).rowCount).toBe(1);
      expect((await client.query('DELETE FROM incidents WHERE workflow_id = $1', [workflowId])).rowCount).toBe(1);
      await client.query('SELECT * FROM service_response_times LIMIT 1');
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
  });

  it('reads but does not write schema_migrations, and cannot create tables (PostgreSQL 15+)', async () => {
    expect((await app.query("SELECT count(*)::int AS n FROM schema_migrations WHERE version = '009_app_role'")).rows[0].n).toBe(1);
    await expect(app.query("INSERT INTO schema_migrations (version) VALUES ('999_x')")).rejects.toThrow('permission denied for table schema_migrations');
    const version = Number((await app.query<{ v: string }>("SELECT current_setting('server_version_num') AS v")).rows[0]!.v);
    // Before 15 every role may create in schema public (docs/database-roles.md says how to revoke that).
    if (version >= 150000) await expect(app.query('CREATE TABLE app_made (x int)')).rejects.toThrow('permission denied for schema public');
  });
});

describe('009_app_role in a second database of the same cluster', () => {
  it('applies when vigil_app already exists, also for an owner that is not a superuser', async () => {
    // An owner without CREATEROLE (as on managed Postgres): 007 skips its event triggers, 009 finds the role.
    const owner = `vigil_it_owner_${suffix}`;
    const database = `vigil_it_second_${suffix}`;
    await admin.query(`CREATE ROLE ${owner} LOGIN PASSWORD '${password}'`);
    await admin.query(`CREATE DATABASE ${database} OWNER ${owner}`);
    const ownerPool = createPool(urlAs(owner, password, database), 'vigil-test-second-db', 2);
    const appPool = createPool(urlAs(appRole, password, database), 'vigil-test-second-db-app', 2);
    try {
      expect(await migrate(ownerPool)).toContain('009_app_role');
      await appendAudit(appPool, [{ kind: 'test.second-db', payload: {} }]);
      await expect(appPool.query('DELETE FROM audit_log')).rejects.toThrow('permission denied for table audit_log');
      // No event triggers here: not being the owner is what keeps the guards on.
      await expect(appPool.query('ALTER TABLE audit_log DISABLE TRIGGER ALL')).rejects.toThrow(/must be owner of table audit_log/);
      await appPool.query('DELETE FROM incidents');
    } finally {
      await appPool.end();
      await ownerPool.end();
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await admin.query(`DROP ROLE IF EXISTS ${owner}`);
    }
  });
});
